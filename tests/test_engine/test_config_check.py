"""Misspelt config keys are named with the nearest valid ones, before
anything is built; the shipped configs raise no false alarm."""
import glob
import os.path as osp
from pathlib import Path

import pytest

from mmreid_dranet.engine import ReIDRunner
from mmreid_dranet.engine.config_check import (ConfigKeyError,
                                               accepted_arguments,
                                               check_config_keys)
from mmreid_dranet.utils import load_config, set_data_root
from tests.helpers import REPO, TINY_CONFIG


def tiny_cfg(data_root, tmp_path):
    cfg = load_config(TINY_CONFIG)
    set_data_root(cfg, data_root)
    cfg.work_dir = str(tmp_path)
    return cfg


@pytest.mark.parametrize('section, key, value, expected', [
    ('train_cfg', 'max_epoch', 12,
     'train_cfg.max_epoch=12: no such argument of EpochBasedTrainLoop; '
     'did you mean max_epochs?'),
    ('model.neck', 'use_rcm', False,
     'model.neck.use_rcm=False: no such argument of DRANeck; did you mean '
     'use_rcam'),
])
def test_runner_names_a_misspelt_key_and_the_nearest(
        synthetic_market_root, tmp_path, section, key, value, expected):
    cfg = tiny_cfg(synthetic_market_root, tmp_path)
    node = cfg
    for part in section.split('.'):
        node = node[part]
    node[key] = value
    with pytest.raises(ConfigKeyError) as error:
        ReIDRunner.from_cfg(cfg)
    assert expected in str(error.value)
    assert isinstance(error.value, ValueError)
    # Nothing was built: no log folder of a run in the work dir.
    assert not glob.glob(str(tmp_path / '*'))


def test_keys_deep_in_the_config_are_named_all_at_once():
    cfg = load_config(TINY_CONFIG)
    cfg.train_dataloader.dataset.image_chek = 'skip'
    cfg.train_dataloader.dataset.pipeline[1].scal = (64, 32)
    cfg.train_dataloader.sampler.num_id = 4
    cfg.param_scheduler[0].milestone = [3]
    cfg.default_hooks.logger.intervl = 5
    cfg.optim_wrapper.optimizer.momentun = 0.9
    cfg.val_evaluator.metrik = 'cosine'
    with pytest.raises(ConfigKeyError) as error:
        check_config_keys(cfg)
    lines = str(error.value).splitlines()
    expected = [
        "default_hooks.logger.intervl=5: no such argument of LoggerHook; "
        'did you mean interval?',
        'param_scheduler[0].milestone=[3]: no such argument of MultiStepLR; '
        'did you mean milestones?',
        'optim_wrapper.optimizer.momentun=0.9: no such argument of SGD; '
        'did you mean momentum?',
        "val_evaluator.metrik='cosine': no such argument of ReIDMetric; "
        'did you mean metric?',
        "train_dataloader.dataset.image_chek='skip': no such argument of "
        'Market1501; did you mean image_check?',
        'train_dataloader.dataset.pipeline[1].scal=(64, 32): no such '
        'argument of Resize; did you mean scale',
        'train_dataloader.sampler.num_id=4: no such argument of '
        'IdentityBalancedSampler; did you mean num_ids',
    ]
    assert len(lines) == len(expected)
    for line, start in zip(lines, expected):
        assert line.startswith(start), (line, start)


def test_kwargs_are_followed_to_the_class_that_takes_them():
    from mmreid_dranet.datasets import CustomReIDDataset
    from mmreid_dranet.engine.hooks import FiniteLossHook
    arguments = accepted_arguments(CustomReIDDataset)
    # Its own, BaseReIDDataset's and mmengine's BaseDataset's.
    assert {'camera_pattern', 'image_check', 'serialize_data'} <= arguments
    # mmengine's CheckpointHook passes **kwargs to the checkpoint saver:
    # unknown, so left to mmengine.
    from mmengine.hooks import CheckpointHook
    assert accepted_arguments(CheckpointHook) is None
    assert accepted_arguments(FiniteLossHook) is not None


def test_train_cfg_by_type_and_loops_without_type():
    cfg = load_config(TINY_CONFIG)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=10,
                         max_epochs=2)
    cfg.val_cfg = dict(fp61=True)
    with pytest.raises(ConfigKeyError) as error:
        check_config_keys(cfg)
    message = str(error.value)
    assert ('train_cfg.max_epochs=2: no such argument of IterBasedTrainLoop;'
            ' did you mean max_iters?') in message
    assert 'val_cfg.fp61=True: no such argument of ValLoop; did you mean ' \
           'fp16?' in message


@pytest.mark.parametrize('config', sorted(
    osp.relpath(path, REPO)
    for path in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                          recursive=True)
    # Configs on an mmdet base load only where mmdet is installed: checked
    # by tests/test_configs/test_tracking_configs.py.
    if 'mmdet::' not in Path(path).read_text()) +
    [osp.relpath(TINY_CONFIG, REPO)])
def test_shipped_configs_pass(config):
    check_config_keys(load_config(osp.join(REPO, config)))
