"""tools/analysis_tools/compare_on_synthetic.py: the variants differ only
in their model parts; the report's spread and noise verdicts."""
import pytest
import torch
from mmengine.registry import DefaultScope

from mmreid_dranet.registry import MODELS
from tests.helpers.scripts import load_script

tool = load_script('tools/analysis_tools/compare_on_synthetic.py')


def test_variants_share_everything_but_the_model_parts(
        synthetic_market_root, tmp_path):
    cfgs = {
        name: tool.build_cfg(name, 3, 12, synthetic_market_root,
                             str(tmp_path))
        for name in tool.VARIANTS
    }
    base = cfgs['DRANet']
    assert base.train_cfg.max_epochs == 12 and base.randomness.seed == 3
    # The demo's decay at 14 and 20 of 24 epochs, scaled to 12.
    assert base.param_scheduler[1].milestones == [7, 10]
    for name, cfg in cfgs.items():
        for key in ('train_dataloader', 'test_dataloader', 'optim_wrapper',
                    'param_scheduler', 'train_cfg'):
            assert cfg[key] == base[key], (name, key)
        if name not in tool.SMALL_BACKBONES:
            assert cfg.model.backbone == base.model.backbone
    assert cfgs['DRANet + triplet'].model.head.loss_metric.type == \
        'TripletLoss'
    assert not cfgs['DRANet Table-4 baseline'].model.neck.use_rcam
    assert not cfgs['DRANet Table-4 baseline'].model.neck.use_rsam
    bot = cfgs['BoT baseline'].model
    assert bot.neck == dict(type='BNNeck', freeze_bias=True)
    assert bot.head.type == 'ReIDLinearHead' and bot.test_cfg.l2_normalize
    with pytest.raises(KeyError, match='unknown variant'):
        tool.variant_update('PCB')


def test_zoo_variants_change_one_thing_of_bot_and_build(
        synthetic_market_root, tmp_path):
    bot = tool.build_cfg('BoT baseline', 0, 4, synthetic_market_root,
                         str(tmp_path)).model
    for name in tool.ZOO_VARIANTS:
        cfg = tool.build_cfg(name, 0, 4, synthetic_market_root,
                             str(tmp_path))
        model = cfg.model
        if name in tool.SMALL_BACKBONES:
            path, _ = tool.SMALL_BACKBONES[name]
            assert model.backbone.type == \
                tool.shipped(path).model.backbone.type
            assert model.backbone.init_cfg is None
            assert (model.neck, model.head) == (bot.neck, bot.head)
        elif name.startswith('BoT'):
            assert model.backbone == bot.backbone
            assert (model.neck == bot.neck) != (model.head == bot.head)
        else:
            assert model.neck.type == 'DRANeck'
            assert model.neck.pooling == 'gem'
        model.num_classes = 4
        with DefaultScope.overwrite_default_scope('mmreid_dranet'):
            built = MODELS.build(model)
        built.eval()
        with torch.no_grad():
            assert built(torch.zeros(1, 3, 128, 64)).shape[0] == 1, name


def test_report_spread_and_noise_verdicts():
    def run(variant, seed, value):
        return dict(variant=variant, seed=seed, mAP=value, R1=value,
                    mINP=value, seconds=1.0)

    results = [run('DRANet', 0, 50.0), run('DRANet', 1, 52.0),
               run('A', 0, 51.5), run('A', 1, 52.5),
               run('B', 0, 70.0), run('B', 1, 71.0)]
    text = tool.report(results, ['DRANet', 'A', 'B'], 8)
    assert '| DRANet | 2 | 51.0 +- 1.4 (50.0-52.0)' in text
    single = tool.report(results[:3], ['DRANet', 'A'], 8)
    assert '| A | 1 | 51.5 | 51.5 | 51.5 | 1 |' in single
    # 2 se = 2 * sqrt(2/2 + 0.5/2) = 2.2 for both: A +1.0 is noise.
    assert '- A: mAP +1.0 (2se 2.2, noise)' in text
    assert '- B: mAP +19.5 (2se 2.2, beyond)' in text
    against_b = tool.report(results, ['DRANet', 'A', 'B'], 8, 'B')
    assert 'Difference from B' in against_b
    assert '- DRANet: mAP -19.5 (2se 2.2, beyond)' in against_b
