"""Every shipped DRANet config loads, agrees with itself and builds."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.registry import DefaultScope

from mmreid_dranet.registry import MODELS
from mmreid_dranet.utils import load_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs/dranet/*.py')))
# Training identities of each data set (standard splits).
TRAIN_IDS = {'Market1501': 751, 'DukeMTMCReID': 702, 'CUHK03': 767,
             'MSMT17': 1041}


def test_every_dataset_has_configs():
    names = {osp.basename(path) for path in CONFIGS}
    for expected in ('dranet_r50_market.py', 'dranet_r50_duke.py',
                     'dranet_r50_cuhk03_labeled.py',
                     'dranet_r50_cuhk03_detected.py', 'dranet_r50_msmt17.py',
                     'dranet_r50_market_baseline.py',
                     'dranet_r50_market_rcam.py', 'dranet_r50_market_rsam.py',
                     'dranet_demo_synthetic.py'):
        assert expected in names


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_is_consistent_and_builds(path):
    cfg = load_config(path)
    assert cfg.default_scope == 'mmreid_dranet'
    neck, head = cfg.model.neck, cfg.model.head
    for key in ('num_classes', 'use_rcam', 'use_rsam', 'num_parts'):
        assert neck[key] == head[key], key
    assert neck.reduce_channels == head.in_channels
    dataset = cfg.train_dataloader.dataset
    if dataset.type in TRAIN_IDS and 'synthetic' not in dataset.data_root:
        assert neck.num_classes == TRAIN_IDS[dataset.type]
    sampler = cfg.train_dataloader.sampler
    assert cfg.train_dataloader.batch_size == \
        sampler.num_ids * sampler.ins_per_id
    assert cfg.auto_scale_lr.base_batch_size == cfg.train_dataloader.batch_size
    for split in ('val_dataloader', 'test_dataloader'):
        assert cfg[split].dataset.split == 'test'
        assert cfg[split].dataset.type == dataset.type

    cfg.model.backbone.init_cfg = None  # no download here
    with DefaultScope.overwrite_default_scope('mmreid_dranet'):
        model = MODELS.build(cfg.model)
    height, width = cfg.test_dataloader.dataset.pipeline[1].scale[::-1]
    model.eval()
    with torch.no_grad():
        embedding = model(torch.zeros(1, 3, height, width), mode='tensor')
    assert embedding.shape == (1, 2 * neck.num_parts * neck.reduce_channels)
