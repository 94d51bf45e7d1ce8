"""The command-line tools as a user meets them."""
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from mmreid_dranet.utils import configure_device, load_config, set_data_root

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ENTRY_CONFIG = osp.join(REPO, 'configs/dranet/dranet_r50_market.py')


def _run_tool(*args):
    return subprocess.run([sys.executable, *args], capture_output=True,
                          text=True, cwd=REPO, timeout=300)


def test_train_help_lists_the_options():
    result = _run_tool('tools/train.py', '--help')
    assert result.returncode == 0, result.stderr
    for option in ('--work-dir', '--resume', '--amp', '--auto-scale-lr',
                   '--cfg-options', '--launcher', '--data-root',
                   '--no-validate', '--epochs', '--verbose'):
        assert option in result.stdout


def test_test_help_lists_the_options():
    result = _run_tool('tools/test.py', '--help')
    assert result.returncode == 0, result.stderr
    for option in ('--out', '--show-dir', '--data-root', '--flip-test',
                   '--rerank', '--launcher', '--cfg-options', '--verbose'):
        assert option in result.stdout


def test_missing_config_is_one_clear_message(tmp_path):
    missing = str(tmp_path / 'no_such_config.py')
    result = _run_tool('tools/train.py', missing)
    assert result.returncode != 0
    assert missing in result.stderr
    assert 'Traceback' not in result.stderr


def test_missing_data_root_is_one_clear_message(tmp_path):
    missing = str(tmp_path / 'no_such_data')
    result = _run_tool('tools/train.py', ENTRY_CONFIG, '--data-root', missing)
    assert result.returncode != 0
    assert missing in result.stderr
    assert 'Traceback' not in result.stderr


def test_entry_config_loads_in_our_scope():
    cfg = load_config(ENTRY_CONFIG)
    assert cfg.default_scope == 'mmreid_dranet'
    assert cfg.auto_scale_lr.base_batch_size == 64


def test_set_data_root_reaches_every_nested_dataset(tmp_path):
    cfg = Config(dict(
        data_root='old',
        train_dataloader=dict(dataset=dict(
            type='ConcatDataset', datasets=[
                dict(type='Market1501', data_root='old'),
                dict(type='RepeatDataset', times=2,
                     dataset=dict(type='Market1501', data_root='old')),
            ])),
        val_dataloader=dict(dataset=dict(type='Market1501',
                                         data_root='old')),
        test_dataloader=None))
    assert set_data_root(cfg, str(tmp_path)) == 3
    datasets = cfg.train_dataloader.dataset.datasets
    assert datasets[0].data_root == str(tmp_path)
    assert datasets[1].dataset.data_root == str(tmp_path)
    assert 'data_root' not in datasets[1]
    assert cfg.val_dataloader.dataset.data_root == str(tmp_path)
    assert cfg.data_root == str(tmp_path)
    # Two kinds of data cannot share one folder: refused, nothing changed.
    datasets[1].dataset.type = 'DukeMTMCReID'
    with pytest.raises(ValueError, match=r'reads 2 data sets \(DukeMTMCReID, '
                       r'Market1501\)'):
        set_data_root(cfg, REPO)
    assert datasets[0].data_root == str(tmp_path)


NEEDS_CPU_ONLY = pytest.mark.skipif(
    torch.cuda.is_available(), reason='checks the CPU-only code path')


@NEEDS_CPU_ONLY
def test_cpu_distributed_run_uses_gloo_without_device_ids():
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    configure_device(cfg, launcher='none')
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert 'model_wrapper_cfg' not in cfg
    # 'slurm' rather than 'pytorch', so that no process group is started.
    configure_device(cfg, launcher='slurm')
    assert cfg.model_wrapper_cfg.device_ids is None
    assert cfg.model_wrapper_cfg.type == 'MMDistributedDataParallel'


@NEEDS_CPU_ONLY
def test_amp_on_cpu_is_refused_clearly():
    result = _run_tool('tools/train.py', ENTRY_CONFIG, '--amp')
    assert result.returncode != 0
    assert 'CUDA' in result.stderr
