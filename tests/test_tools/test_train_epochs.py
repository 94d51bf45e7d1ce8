"""``tools/train.py --epochs N``: the schedule scaled to the run, checked by
stepping mmengine's real parameter schedulers as its ParamSchedulerHook
does."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import PARAM_SCHEDULERS

from mmreid_dranet.engine.schedule import scale_milestones, scale_schedule
from mmreid_dranet.utils import load_config
from tests.helpers import REPO

SCHEDULES = osp.join(REPO, 'configs', '_base_', 'schedules')
EPOCH_LENGTH = 5  # iterations per epoch of the simulated run


def lr_per_epoch(cfg, epoch_length=EPOCH_LENGTH):
    """The learning rate at the first and the last iteration of every
    epoch, from mmengine's own schedulers built from ``cfg`` and stepped
    the way its ParamSchedulerHook steps them (iteration-based ones after
    each iteration, epoch-based ones after each epoch)."""
    max_epochs = cfg.train_cfg.max_epochs
    param = torch.nn.Parameter(torch.zeros(1))
    base_lr = cfg.optim_wrapper.optimizer.lr
    optimizer = torch.optim.SGD([param], lr=base_lr)
    schedulers = []
    for entry in copy.deepcopy(cfg.param_scheduler):
        entry.setdefault('end', max_epochs)  # as mmengine's Runner does
        schedulers.append(PARAM_SCHEDULERS.build(
            entry, default_args=dict(optimizer=optimizer,
                                     epoch_length=epoch_length)))
    first, last = [], []
    for _ in range(max_epochs):
        for it in range(epoch_length):
            if it == 0:
                first.append(optimizer.param_groups[0]['lr'])
            last_lr = optimizer.param_groups[0]['lr']
            optimizer.step()
            for scheduler in schedulers:
                if not scheduler.by_epoch:
                    scheduler.step()
        last.append(last_lr)
        for scheduler in schedulers:
            if scheduler.by_epoch:
                scheduler.step()
    return base_lr, first, last


@pytest.mark.parametrize('schedule', ['sgd_60e_warmup.py',
                                      'adam_60e_warmup.py'])
def test_sixty_epochs_in_twelve_warm_up_and_decay_at_scaled_epochs(
        schedule):
    cfg = load_config(osp.join(SCHEDULES, schedule))
    # Without the scaling a 12-epoch run ends at the peak rate.
    truncated = copy.deepcopy(cfg)
    truncated.train_cfg.max_epochs = 12
    base_lr, _, last = lr_per_epoch(truncated)
    assert last[-1] == pytest.approx(base_lr)

    message = scale_schedule(cfg, 12)
    assert 'decays at epochs [8, 11]' in message
    assert cfg.train_cfg.max_epochs == 12
    assert cfg.train_cfg.val_interval == 10  # within 12: kept
    warm_up, step = cfg.param_scheduler
    assert (warm_up.begin, warm_up.end) == (0, 2)
    assert step.milestones == [8, 11]

    base_lr, first, last = lr_per_epoch(cfg)
    assert len(first) == 12
    # Warm-up from start_factor x lr over the first 2 epochs, per iteration.
    assert first[0] == pytest.approx(base_lr * warm_up.start_factor)
    assert first[1] < base_lr
    assert first[2] == pytest.approx(base_lr)
    # x0.1 from epoch 8 on, x0.01 from epoch 11 on: the end is decayed.
    assert last[7] == pytest.approx(base_lr)
    assert first[8] == pytest.approx(base_lr * 0.1)
    assert last[10] == pytest.approx(base_lr * 0.1)
    assert first[11] == pytest.approx(base_lr * 0.01)
    assert last[11] == pytest.approx(base_lr * 0.01)


def test_longer_run_and_other_recipes():
    cfg = load_config(osp.join(SCHEDULES, 'sgd_60e_warmup.py'))
    scale_schedule(cfg, 120)
    assert cfg.param_scheduler[0].end == 20
    assert cfg.param_scheduler[1].milestones == [80, 110]
    assert cfg.train_cfg.val_interval == 10

    demo = load_config(osp.join(REPO, 'configs', 'dranet',
                                'dranet_demo_synthetic.py'))
    scale_schedule(demo, 12)  # 24 epochs, warm-up 2, decays at 14 and 20
    assert demo.param_scheduler[0].end == 1
    assert demo.param_scheduler[1].milestones == [7, 10]
    assert demo.train_cfg.val_interval == 8
    scale_schedule(demo, 3)  # intervals past the run's end come back
    assert demo.train_cfg.val_interval == 3
    assert demo.default_hooks.checkpoint.interval == 3
    _, first, last = lr_per_epoch(demo)
    assert last[-1] == pytest.approx(demo.optim_wrapper.optimizer.lr * 0.01)


def test_cosine_and_step_lengths_scale_with_the_run():
    cfg = Config(dict(
        train_cfg=dict(by_epoch=True, max_epochs=60),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        param_scheduler=[
            dict(type='LinearLR', start_factor=0.1, begin=0, end=10,
                 by_epoch=True),
            dict(type='CosineAnnealingLR', T_max=50, eta_min=0.001,
                 begin=10, end=60, by_epoch=True),
        ]))
    scale_schedule(cfg, 12)
    cosine = cfg.param_scheduler[1]
    assert (cosine.begin, cosine.end, cosine.T_max) == (2, 12, 10)
    _, first, last = lr_per_epoch(cfg)
    assert first[2] == pytest.approx(0.1)
    assert last[-1] < 0.01  # near eta_min at the end of the short run

    steps = Config(dict(
        train_cfg=dict(max_epochs=40),
        param_scheduler=dict(type='StepLR', step_size=10, gamma=0.5)))
    scale_schedule(steps, 8)
    assert steps.param_scheduler.step_size == 2


def test_milestones_stay_distinct_and_before_the_end():
    assert scale_milestones([40, 55], 3 / 60, 3) == [1, 2]
    assert scale_milestones([2, 3, 4], 0.1, 5) == [1, 2, 3]
    with pytest.raises(ValueError, match=r'2 learning-rate decays .* need '
                       r'at least 3 epochs; got 2'):
        scale_milestones([40, 55], 2 / 60, 2)


def test_what_cannot_be_scaled_is_refused_by_name():
    iteration_loop = Config(dict(train_cfg=dict(type='IterBasedTrainLoop',
                                                max_iters=1000)))
    with pytest.raises(ValueError, match='epoch-based train_cfg'):
        scale_schedule(iteration_loop, 5)
    iteration_scheduler = Config(dict(
        train_cfg=dict(max_epochs=10),
        param_scheduler=[dict(type='LinearLR', by_epoch=False, end=500)]))
    with pytest.raises(ValueError, match=r'LinearLR .*\(by_epoch=False\)'):
        scale_schedule(iteration_scheduler, 5)
    with pytest.raises(ValueError, match='at least 1'):
        scale_schedule(Config(dict(train_cfg=dict(max_epochs=10))), 0)
