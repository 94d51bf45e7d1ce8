"""A user's own data through the real tools: named identity folders, and a
joint training set of two data sets."""
import os.path as osp
import subprocess
import sys

import numpy as np
import torch
from mmengine.registry import DefaultScope

from mmreid_dranet.registry import RUNNERS
from mmreid_dranet.utils import load_config
from tests.helpers import REPO, TINY_CONFIG
from tests.helpers.named_data import named_folders_from_market
from tests.helpers.tool_runner import ToolRunner


def test_named_identities_train_test_and_reach_the_out_file(
        synthetic_market_root, tmp_path):
    data_root = str(tmp_path / 'people')
    name_of = named_folders_from_market(synthetic_market_root, data_root)
    config = tmp_path / 'own_data.py'
    config.write_text(
        f"_base_ = [{TINY_CONFIG!r}]\n"
        "own = dict(type='CustomReIDDataset', data_root='unset')\n"
        "train_dataloader = dict(dataset=own)\n"
        "val_dataloader = dict(dataset=own)\n"
        "test_dataloader = val_dataloader\n"
        "train_cfg = dict(max_epochs=1, val_interval=1)\n")
    base = [sys.executable]
    for command in (
            ['tools/train.py', str(config), '--data-root', data_root,
             '--work-dir', str(tmp_path / 'work')],
            ['tools/test.py', str(config), str(tmp_path / 'work/epoch_1.pth'),
             '--data-root', data_root, '--work-dir', str(tmp_path / 'test'),
             '--out', str(tmp_path / 'emb.npz')]):
        result = subprocess.run(base + command, cwd=REPO,
                                env=ToolRunner().env(), capture_output=True,
                                text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-3000:]
    with np.load(tmp_path / 'emb.npz', allow_pickle=False) as out:
        names = {side: out[f'{side}_names'] for side in ('query', 'gallery')}
        paths = {side: out[f'{side}_paths'] for side in ('query', 'gallery')}
    for side in ('query', 'gallery'):
        assert len(names[side]) and set(names[side]) <= set(name_of.values())
        # Each name is the identity folder the image was read from.
        assert all(osp.basename(osp.dirname(path)) == name
                   for path, name in zip(paths[side], names[side]))


def test_joint_config_trains_with_labels_apart(two_roots, tmp_path):
    cfg = load_config(TINY_CONFIG)
    pipeline = cfg.train_dataloader.dataset.pipeline
    cfg.train_dataloader.dataset = dict(
        type='JointReIDDataset', pipeline=pipeline,
        datasets=[dict(type='Market1501', data_root=root)
                  for root in two_roots])
    for key in ('val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = two_roots[0]
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
    cfg.work_dir = str(tmp_path)
    runner = RUNNERS.build(cfg)
    assert runner.model.num_classes == 6 + 5
    dataset = runner.train_dataloader.dataset
    sources = {}
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        sources.setdefault(info['source'], set()).add(info['gt_label'])
    assert sources[0] and sources[1] and not sources[0] & sources[1]
    with DefaultScope.overwrite_default_scope('mmreid_dranet'):
        runner.train()
    weights = runner.model.head.rcam_classifiers[0].fc.weight
    assert weights.shape[0] == 11 and bool(torch.isfinite(weights).all())
