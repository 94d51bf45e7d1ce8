"""The backbone-zoo configs: each changes only the backbone of its Market
base, and trains two steps through mmengine's Runner (tiny input, no
download)."""
import os.path as osp

import pytest
import torch

from mmreid_dranet.registry import RUNNERS
from mmreid_dranet.utils import load_config, set_data_root
from tests.helpers import REPO

BACKBONES = ('r50_ibn_a', 'resnest50', 'regnetx_3.2gf', 'convnext_t',
             'mobilenetv3_l', 'vit_b16')
# The DRANet neck needs a convolutional map: no DRANet on ViT.
ZOO = [f'configs/baselines/bot_{name}_market.py' for name in BACKBONES] + [
    f'configs/dranet/dranet_{name}_market.py' for name in BACKBONES
    if name != 'vit_b16'
]
BASES = dict(bot='configs/baselines/bot_r50_market.py',
             dranet='configs/dranet/dranet_r50_market.py')
# 128x64: every backbone's last map keeps >= 3 rows for DRANet's 3 parts
# (stride 32 gives 4 x 2).
PIPELINE = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='Resize', scale=(64, 128)),
    dict(type='mmpretrain.PackInputs', algorithm_keys=('pid', 'camid')),
]


def load(path):
    return load_config(osp.join(REPO, path))


@pytest.mark.parametrize('path', ZOO, ids=osp.basename)
def test_zoo_config_changes_only_the_backbone(path):
    cfg = load(path)
    base = load(BASES[osp.basename(path).split('_')[0]])
    assert cfg.model.backbone != base.model.backbone
    assert cfg.model.backbone.init_cfg.type == 'Pretrained'
    assert cfg.model.backbone.init_cfg.checkpoint.startswith('https://')
    cfg.model.backbone = base.model.backbone
    assert cfg.model == base.model
    for key in ('train_dataloader', 'test_dataloader', 'optim_wrapper',
                'param_scheduler', 'train_cfg'):
        assert cfg[key] == base[key], key


def test_dranet_and_bot_share_each_backbone():
    for name in BACKBONES[:-1]:
        bot = load(f'configs/baselines/bot_{name}_market.py')
        dranet = load(f'configs/dranet/dranet_{name}_market.py')
        assert bot.model.backbone == dranet.model.backbone


@pytest.mark.parametrize('path', ZOO, ids=osp.basename)
def test_zoo_config_trains_two_steps(path, synthetic_market_root, tmp_path):
    cfg = load(path)
    set_data_root(cfg, synthetic_market_root)
    cfg.model.backbone.init_cfg = None  # nothing downloads in tests
    cfg.train_dataloader.update(num_workers=0, persistent_workers=False)
    cfg.train_dataloader.sampler.update(num_ids=2, ins_per_id=2)
    cfg.train_dataloader.dataset.pipeline = PIPELINE
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2)
    cfg.param_scheduler = []
    for split in ('val', 'test'):
        cfg[f'{split}_cfg'] = cfg[f'{split}_dataloader'] = None
        cfg[f'{split}_evaluator'] = None
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.work_dir = str(tmp_path)
    runner = RUNNERS.build(cfg)
    before = {k: v.detach().clone()
              for k, v in runner.model.backbone.named_parameters()}
    runner.train()
    assert runner.iter == 2
    model = runner.model
    assert model.num_classes == 8  # from the synthetic training split
    changed = [k for k, v in model.backbone.named_parameters()
               if not torch.equal(v, before[k])]
    assert changed  # the backbone trained
    scalars = runner.message_hub.log_scalars
    losses = [key for key in scalars if key.startswith('train/loss')]
    assert 'train/loss' in losses
    for key in losses:
        assert torch.isfinite(torch.tensor(scalars[key].current())), key
