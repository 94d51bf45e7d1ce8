"""Resuming an mmengine checkpoint under torch >= 2.6 (weights_only=True)."""
import copy

import pytest
import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

from mmreid_dranet.utils import checkpoint_reading


class _TinyRegressor(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 3)
        self.norm = nn.BatchNorm1d(3)

    def forward(self, inputs, targets=None, mode='tensor'):
        outputs = self.norm(self.linear(torch.stack(inputs)))
        if mode == 'loss':
            return dict(loss=(outputs - torch.stack(targets)).pow(2).mean())
        return outputs


class _RandomPairs(Dataset):
    metainfo = dict(num_ids=3)

    def __init__(self):
        generator = torch.Generator().manual_seed(0)
        self.inputs = torch.randn(24, 4, generator=generator)
        self.targets = torch.randn(24, 3, generator=generator)

    def __len__(self):
        return len(self.inputs)

    def __getitem__(self, index):
        return dict(inputs=self.inputs[index], targets=self.targets[index])


class _KillAfterEpoch(Hook):
    """Stands for a crash: raises once the checkpoint of ``epoch`` exists."""
    priority = 'LOWEST'  # after CheckpointHook has saved

    def __init__(self, epoch):
        self.epoch = epoch

    def after_train_epoch(self, runner):
        if runner.epoch == self.epoch:
            raise RuntimeError('killed')


def _runner_cfg(work_dir, custom_hooks=()):
    torch.manual_seed(0)
    return dict(
        model=_TinyRegressor(),
        custom_hooks=list(custom_hooks),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=_RandomPairs(),
            sampler=dict(type='DefaultSampler', shuffle=True),
            batch_size=6),
        optim_wrapper=dict(
            optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        param_scheduler=[
            dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
                 end=4),
            dict(type='MultiStepLR', milestones=[2], by_epoch=True)
        ],
        train_cfg=dict(by_epoch=True, max_epochs=4),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook',
                                           interval=1)),
        randomness=dict(seed=3),
        default_scope='mmengine')


def test_resume_continues_exactly_where_training_stopped(tmp_path):
    straight = Runner(**_runner_cfg(tmp_path / 'straight'))
    straight.train()
    expected = copy.deepcopy(straight.model.state_dict())

    crashed = Runner(**_runner_cfg(tmp_path / 'split', [_KillAfterEpoch(2)]))
    with pytest.raises(RuntimeError, match='killed'):
        crashed.train()
    # A new (plain mmengine) runner resumes the epoch-2 checkpoint: this
    # goes through torch.load's safe unpickler (message hub and schedulers
    # included), with mmengine's objects allowed inside the block only.
    cfg = _runner_cfg(tmp_path / 'split')
    cfg['experiment_name'] = 'resumed'
    cfg.update(resume=True, load_from=str(tmp_path / 'split/epoch_2.pth'))
    resumed = Runner(**cfg)
    with checkpoint_reading():
        resumed.train()

    assert resumed.epoch == 4
    for key, value in expected.items():
        torch.testing.assert_close(resumed.model.state_dict()[key], value,
                                   msg=f'{key} differs after resume')
