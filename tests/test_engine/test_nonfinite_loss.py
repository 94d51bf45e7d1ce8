"""FiniteLossHook: the first NaN/inf loss stops training, named, unsaved."""
import math

import pytest
import torch
import torch.nn as nn
from mmengine.logging import MessageHub
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

from mmreid_dranet.engine.hooks import FiniteLossHook
from mmreid_dranet.utils.checkpoint import find_resume_checkpoint

ITERS_PER_EPOCH = 4  # 24 samples, batch 6


class _DivergesAt(BaseModel):
    """Two loss terms; ``loss_b`` turns ``bad_value`` at training step
    ``step`` (1-based), as a diverging term would."""

    def __init__(self, step, bad_value=math.nan):
        super().__init__()
        self.linear = nn.Linear(4, 1)
        self.step, self.bad_value, self.calls = step, bad_value, 0

    def forward(self, inputs, mode='tensor'):
        outputs = self.linear(torch.stack(inputs))
        if mode != 'loss':
            return outputs
        self.calls += 1
        loss_b = outputs.abs().mean()
        if self.calls >= self.step:
            loss_b = loss_b * self.bad_value
        return dict(loss_a=outputs.pow(2).mean(), loss_b=loss_b,
                    accuracy=torch.tensor(math.nan))  # not a loss: ignored


class _Points(Dataset):

    def __len__(self):
        return 6 * ITERS_PER_EPOCH

    def __getitem__(self, index):
        return dict(inputs=torch.linspace(0, 1, 4) * index)


def _runner(work_dir, model, checkpoint_by_epoch=True, **cfg):
    return Runner(
        model=model, work_dir=str(work_dir), cfg=cfg,
        train_dataloader=dict(dataset=_Points(), batch_size=6,
                              sampler=dict(type='DefaultSampler',
                                           shuffle=False)),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=True, max_epochs=3),
        default_hooks=dict(checkpoint=dict(
            type='CheckpointHook', interval=1,
            by_epoch=checkpoint_by_epoch)),
        custom_hooks=[dict(type='FiniteLossHook')],
        # Its own message hub (runners started in the same second share one).
        experiment_name=f'finite_loss_{work_dir.name}',
        default_scope='mmreid_dranet')


@pytest.mark.parametrize('bad_value', [math.nan, math.inf])
def test_first_non_finite_loss_stops_with_its_step_and_key(
        tmp_path, bad_value):
    step = 2 * ITERS_PER_EPOCH + 2  # epoch 3, its second batch
    runner = _runner(tmp_path, _DivergesAt(step, bad_value))
    with pytest.raises(FloatingPointError) as error:
        runner.train()
    message = str(error.value)
    assert f'iteration {step} (epoch 3, batch 2 of the epoch)' in message
    assert f'loss_b = {bad_value}' in message
    assert 'loss_a' not in message and 'accuracy' not in message
    last = str(tmp_path / 'epoch_2.pth')
    assert f'The last checkpoint, {last},' in message
    # Nothing of the diverged step was saved; --resume finds epoch 2.
    assert not (tmp_path / 'epoch_3.pth').exists()
    assert find_resume_checkpoint(str(tmp_path)) == last
    assert runner.iter == step - 1  # stopped in that very step


def test_the_diverged_step_is_not_saved_by_an_iteration_checkpoint(
        tmp_path):
    # CheckpointHook saves in after_train_iter too: the check runs first.
    runner = _runner(tmp_path, _DivergesAt(6), checkpoint_by_epoch=False)
    with pytest.raises(FloatingPointError, match='iter_5.pth'):
        runner.train()
    assert not (tmp_path / 'iter_6.pth').exists()
    assert find_resume_checkpoint(str(tmp_path)) == str(tmp_path /
                                                        'iter_5.pth')


def test_a_divergence_before_any_checkpoint_says_so(tmp_path):
    with pytest.raises(FloatingPointError, match='No checkpoint was saved'):
        _runner(tmp_path, _DivergesAt(1)).train()


def test_switched_off_the_run_trains_on(tmp_path):
    runner = _runner(tmp_path, _DivergesAt(3), check_finite_loss=False)
    runner.train()
    assert (tmp_path / 'epoch_3.pth').exists()
    assert torch.isnan(runner.model.linear.weight).all()


class _Untouchable:
    """A loss value that fails on any use: the hook must not read it (on
    a GPU, reading a tensor's value is a host-device synchronisation)."""

    def __getattr__(self, name):
        raise AssertionError(f'the hook used the loss tensor ({name})')

    def __float__(self):
        raise AssertionError('the hook read the loss tensor')


class _RunnerStub:
    """What the hook reads of a runner: the message hub and counters."""

    def __init__(self, hub):
        self.message_hub, self.iter, self.epoch = hub, 6, 1


def test_the_hook_reads_the_logged_floats_not_the_tensors():
    hub = MessageHub('finite_loss_hook_test')
    outputs = dict(loss=_Untouchable(), loss_rsam=_Untouchable())
    hub.update_scalar('train/loss', 1.5)
    hub.update_scalar('train/loss_rsam', 0.5)
    hook = FiniteLossHook()
    hook.after_train_iter(_RunnerStub(hub), 2, outputs=outputs)  # finite
    hub.update_scalar('train/loss', math.inf)
    hub.update_scalar('train/loss_rsam', math.inf)
    with pytest.raises(FloatingPointError,
                       match=r'iteration 7 \(epoch 2, batch 3 .*'
                       r'loss_rsam = inf\.'):
        hook.after_train_iter(_RunnerStub(hub), 2, outputs=outputs)
