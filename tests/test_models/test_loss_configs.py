"""Loss configs through mmengine's Runner: triplet runs train, losses fall;
the shipped triplet and BoT configs say what they claim."""
import os.path as osp

import pytest
from mmengine.hooks import Hook

from mmreid_dranet.registry import RUNNERS
from mmreid_dranet.utils import load_config, set_data_root

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY_CONFIG = osp.join(ROOT, 'tests', 'test_e2e', 'tiny_demo_config.py')


class RecordLosses(Hook):
    """Keeps every training step's logged values."""

    def __init__(self):
        self.steps = []

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.steps.append({key: float(getattr(value, 'detach', lambda:
                                              value)())
                           for key, value in outputs.items()})


def train_tiny(data_root, work_dir, model_update, epochs):
    cfg = load_config(TINY_CONFIG)
    set_data_root(cfg, data_root)
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = f'loss_cfg_{osp.basename(str(work_dir))}'
    cfg.merge_from_dict(model_update)
    cfg.train_cfg = dict(by_epoch=True, max_epochs=epochs,
                         val_interval=epochs + 1)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1)
    cfg.randomness = dict(seed=0)
    runner = RUNNERS.build(cfg)
    record = RecordLosses()
    runner.register_hook(record)
    runner.train()
    return runner, record.steps


def falls(steps, key, window=4):
    first = sum(step[key] for step in steps[:window]) / window
    last = sum(step[key] for step in steps[-window:]) / window
    return first, last


@pytest.mark.parametrize('margin', [0.3, None])
def test_dranet_with_triplet_trains_and_the_loss_falls(
        margin, synthetic_market_root, tmp_path):
    # The one line a user adds to a DRANet config.
    update = {'model.head.loss_metric':
              dict(type='TripletLoss', margin=margin)}
    _, steps = train_tiny(synthetic_market_root, tmp_path, update, epochs=10)
    assert len(steps) >= 16
    assert {'loss_sic', 'loss_rcam', 'loss_rsam',
            'loss_triplet'} <= set(steps[0])
    first, last = falls(steps, 'loss')
    assert last < 0.8 * first, (first, last)
    first, last = falls(steps, 'loss_triplet')
    assert last < first, (first, last)


def test_bot_head_and_neck_train_through_the_runner(synthetic_market_root,
                                                    tmp_path):
    bot = load_config(osp.join(ROOT, 'configs/baselines/bot_r50_market.py'))
    update = {
        'model.neck': dict(bot.model.neck, _delete_=True),
        'model.head': dict(bot.model.head, _delete_=True),
        'model.test_cfg': bot.model.test_cfg,
    }
    runner, steps = train_tiny(synthetic_market_root, tmp_path, update,
                               epochs=10)
    assert type(runner.model.neck).__name__ == 'BNNeck'
    assert {'loss_cls', 'loss_triplet', 'loss_center',
            'acc_cls'} <= set(steps[0])
    first, last = falls(steps, 'loss')
    assert last < 0.8 * first, (first, last)
    metrics = runner.test()
    assert 0 <= metrics['reid/mAP'] <= 100


def test_triplet_config_is_the_market_config_plus_one_loss():
    plain = load_config(osp.join(ROOT, 'configs/dranet/dranet_r50_market.py'))
    triplet = load_config(
        osp.join(ROOT, 'configs/dranet/dranet_r50_market_triplet.py'))
    head = dict(triplet.model.head)
    assert head.pop('loss_metric') == dict(type='TripletLoss', margin=0.3)
    assert head == plain.model.head
    assert triplet.model.neck == plain.model.neck
    # The paper's default stays three plain cross-entropies, weights 1.
    assert plain.model.head.loss_cls == dict(type='CrossEntropyLoss',
                                             loss_weight=1.0)
    assert 'loss_metric' not in plain.model.head


@pytest.mark.parametrize('name,dataset', [('bot_r50_market', 'Market1501'),
                                          ('bot_r50_duke', 'DukeMTMCReID')])
def test_bot_configs_follow_the_published_recipe(name, dataset):
    cfg = load_config(osp.join(ROOT, f'configs/baselines/{name}.py'))
    assert cfg.train_dataloader.dataset.type == dataset
    assert cfg.model.backbone.depth == 50
    assert cfg.model.backbone.strides[-1] == 1
    assert cfg.model.neck.type == 'BNNeck'
    assert cfg.model.head.loss_cls.label_smooth_val == 0.1
    triplet, center = cfg.model.head.loss_metric
    assert triplet == dict(type='TripletLoss', margin=0.3,
                           distance='euclidean')
    assert center.type == 'CenterLoss' and center.loss_weight == 5e-4
    assert cfg.optim_wrapper.optimizer == dict(type='Adam', lr=3.5e-4,
                                               weight_decay=5e-4)
    warmup, steps = cfg.param_scheduler
    assert (warmup.start_factor, warmup.end) == (0.1, 10)
    assert steps.milestones == [40, 70]
    assert cfg.train_cfg.max_epochs == 120
    sampler = cfg.train_dataloader.sampler
    assert (sampler.num_ids, sampler.ins_per_id) == (16, 4)
    erasing = [t for t in cfg.train_pipeline
               if t.type == 'mmpretrain.RandomErasing']
    assert erasing and erasing[0].erase_prob == 0.5
    assert cfg.model.test_cfg.l2_normalize
