"""Every shipped config loads, writes each hyperparameter once and builds."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.registry import DefaultScope

from mmreid_dranet.engine import complete_reid_config
from mmreid_dranet.registry import MODELS
from mmreid_dranet.utils import load_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    glob.glob(osp.join(REPO, 'configs/dranet/*.py')) +
    glob.glob(osp.join(REPO, 'configs/baselines/*.py')))
# Values one part of a model hands to another: a config writes each at most
# once (ReIDModel passes them on), and in_channels never (it follows from
# the backbone and the neck).
SHARED_KEYS = ('num_classes', 'num_parts', 'reduce_channels', 'use_rcam',
               'use_rsam')


def count_keys(node, counts):
    """Count every dict key in a nested config."""
    if isinstance(node, dict):
        for key, value in node.items():
            counts[key] = counts.get(key, 0) + 1
            count_keys(value, counts)
    elif isinstance(node, (list, tuple)):
        for value in node:
            count_keys(value, counts)
    return counts


def test_every_dataset_has_configs():
    names = {osp.basename(path) for path in CONFIGS}
    for expected in ('dranet_r50_market.py', 'dranet_r50_duke.py',
                     'dranet_r50_cuhk03_labeled.py',
                     'dranet_r50_cuhk03_detected.py', 'dranet_r50_msmt17.py',
                     'dranet_r50_market_baseline.py',
                     'dranet_r50_market_rcam.py', 'dranet_r50_market_rsam.py',
                     'dranet_demo_synthetic.py'):
        assert expected in names


def test_the_key_counter_sees_a_mirrored_value():
    mirrored = dict(neck=dict(num_classes=5), head=dict(num_classes=5))
    assert count_keys(mirrored, {})['num_classes'] == 2


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_writes_each_value_once_and_builds(path):
    cfg = load_config(path)
    assert cfg.default_scope == 'mmreid_dranet'
    assert cfg.runner_type == 'mmreid_dranet.ReIDRunner'
    counts = count_keys(cfg.model.to_dict(), {})
    for key in SHARED_KEYS:
        assert counts.get(key, 0) <= 1, (key, counts.get(key))
    assert 'in_channels' not in counts
    # The identity count comes from the data, the batch from the sampler.
    assert 'num_classes' not in cfg.model
    assert cfg.train_dataloader.get('batch_size') is None
    for key in ('num_ids_per_batch', 'ins_per_id'):
        assert key not in cfg  # no top-level variables to override in vain
    for split in ('val_dataloader', 'test_dataloader'):
        assert cfg[split].dataset.split == 'test'

    cfg.train_cfg = None  # complete the config as a test-only run would
    cfg.load_from = None
    complete_reid_config(cfg)
    sampler = cfg.train_dataloader.sampler
    assert cfg.train_dataloader.batch_size == \
        sampler.num_ids * sampler.ins_per_id
    cfg.model.num_classes = 11
    cfg.model.backbone.init_cfg = None  # no download here
    with DefaultScope.overwrite_default_scope('mmreid_dranet'):
        model = MODELS.build(cfg.model)
    assert model.head.num_classes == 11
    if hasattr(model.neck, 'num_parts'):
        assert model.head.num_parts == model.neck.num_parts
        assert model.head.in_channels == model.neck.reduce_channels
    height, width = cfg.test_dataloader.dataset.pipeline[1].scale[::-1]
    model.eval()
    with torch.no_grad():
        embedding = model(torch.zeros(1, 3, height, width), mode='tensor')
    assert embedding.shape[0] == 1 and embedding.dim() == 2


def test_ablations_differ_only_in_their_switches():
    base = load_config(osp.join(REPO, 'configs/dranet/dranet_r50_market.py'))
    for name, rcam, rsam in (('baseline', False, False),
                             ('rcam', True, False), ('rsam', False, True)):
        cfg = load_config(
            osp.join(REPO, f'configs/dranet/dranet_r50_market_{name}.py'))
        assert (cfg.model.neck.use_rcam, cfg.model.neck.use_rsam) == (rcam,
                                                                      rsam)
        cfg.model.neck.use_rcam = base.model.neck.use_rcam
        cfg.model.neck.use_rsam = base.model.neck.use_rsam
        assert cfg.model == base.model
