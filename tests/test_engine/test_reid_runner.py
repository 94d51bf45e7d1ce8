"""ReIDRunner reads num_classes and the batch size that configs leave out."""
import os.path as osp

import pytest
import torch
from mmengine.runner import Runner

from mmreid_dranet.datasets import make_synthetic_market
from mmreid_dranet.engine import ReIDRunner
from mmreid_dranet.engine.runner import warn_unused_data_root
from mmreid_dranet.registry import RUNNERS
from mmreid_dranet.utils import load_config, set_data_root

TINY_CONFIG = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                       'test_e2e', 'tiny_demo_config.py')


@pytest.fixture(scope='module')
def twelve_id_root(tmp_path_factory):
    """A second synthetic data set, with 12 training identities."""
    root = str(tmp_path_factory.mktemp('twelve_ids'))
    make_synthetic_market(root, num_train_ids=12, num_test_ids=4,
                          num_cams=2, cams_per_id=(2, 2),
                          images_per_cam=(2, 2), num_distractors=0,
                          num_junk=0, seed=3)
    return root


def tiny_cfg(data_root, work_dir):
    cfg = load_config(TINY_CONFIG)
    set_data_root(cfg, data_root)
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = f'runner_test_{osp.basename(str(work_dir))}'
    return cfg


@pytest.mark.parametrize('root_fixture,num_ids',
                         [('synthetic_market_root', 8),
                          ('twelve_id_root', 12)])
def test_count_and_batch_come_from_the_data(root_fixture, num_ids, request,
                                            tmp_path):
    cfg = tiny_cfg(request.getfixturevalue(root_fixture), tmp_path)
    assert 'num_classes' not in cfg.model
    runner = RUNNERS.build(cfg)
    assert isinstance(runner, ReIDRunner)
    model = runner.model
    assert model.num_classes == model.neck.num_classes == num_ids
    assert model.head.num_classes == num_ids
    assert model.head.rcam_classifiers[0].fc.out_features == num_ids
    assert runner.cfg.model.num_classes == num_ids  # in the dumped config
    assert runner.cfg.train_dataloader.batch_size == 4 * 2
    assert runner.train_dataloader.batch_size == 8


def test_test_only_run_reads_the_checkpoint(synthetic_market_root,
                                            tmp_path):
    checkpoint = str(tmp_path / 'model.pth')
    trained = RUNNERS.build(tiny_cfg(synthetic_market_root, tmp_path / 'a'))
    torch.save(dict(meta=dict(dataset_meta=dict(num_ids=8)),
                    state_dict=trained.model.state_dict()), checkpoint)
    cfg = tiny_cfg(synthetic_market_root, tmp_path / 'b')
    cfg.train_cfg = cfg.train_dataloader = cfg.optim_wrapper = None
    cfg.param_scheduler = None
    cfg.load_from = checkpoint
    assert ReIDRunner.from_cfg(cfg).model.num_classes == 8


def test_plain_mmengine_runner_says_what_to_do(synthetic_market_root,
                                               tmp_path):
    cfg = tiny_cfg(synthetic_market_root, tmp_path)
    with pytest.raises(ValueError, match='model.num_classes is not set.*'
                       'RUNNERS.build'):
        Runner.from_cfg(cfg)


def test_unused_top_level_data_root_is_reported(synthetic_market_root,
                                                tmp_path):
    cfg = tiny_cfg(synthetic_market_root, tmp_path)
    assert warn_unused_data_root(cfg) is None
    cfg.data_root = 'my/own/data'  # what a child config's variable does
    assert "data_root='my/own/data' is used by no dataset" in \
        warn_unused_data_root(cfg)


def test_runner_type_resolves_from_any_registry_and_scope(
        synthetic_market_root, tmp_path):
    """mmdet/mmpretrain train.py build with mmengine's root RUNNERS, and an
    earlier Runner may have left another default scope current."""
    from mmengine.registry import RUNNERS as ROOT_RUNNERS
    from mmengine.registry import DefaultScope
    cfg = tiny_cfg(synthetic_market_root, tmp_path)
    with DefaultScope.overwrite_default_scope('mmengine'):
        runner = ROOT_RUNNERS.build(cfg)
    assert isinstance(runner, ReIDRunner) and runner.model.num_classes == 8
