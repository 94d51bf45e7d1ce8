"""DRANet, DRANet + triplet, the BoT baseline and DRANet's Table-4 baseline
trained and tested on the same synthetic data, same epochs, several seeds.

Every variant is the synthetic demo config (``dranet_demo_synthetic.py``:
ResNet-18 at half width from scratch, 128x64 input, its SGD schedule and
augmentation) with the model parts of a shipped config put in:

- DRANet: the demo config itself (the paper's three softmax losses);
- DRANet + triplet: the head's ``loss_metric`` of
  ``configs/dranet/dranet_r50_market_triplet.py``;
- DRANet Table-4 baseline: the neck switches of
  ``configs/dranet/dranet_r50_market_baseline.py`` (loss_sic only);
- BoT baseline: neck, head and test_cfg of
  ``configs/baselines/bot_r50_market.py`` (BNNeck, LS + triplet + center).

So the data, backbone, optimiser, schedule and epochs are the same for all;
only the neck, head, losses and test embedding differ. The schedule's
warm-up and decay epochs are scaled to ``--epochs``.

The zoo variants (:data:`ZOO_VARIANTS`) are BoT with one thing of the
model zoo changed: the backbone type of a shipped zoo config at a small
size that trains from scratch on CPUs (:data:`SMALL_BACKBONES`), GeM
pooling, an ArcFace or CosFace classifier, or the Circle loss instead of
the triplet loss; 'DRANet + GeM' is DRANet with GeM part pooling. Compare
them with ``--reference 'BoT baseline'``.

Usage::

    python tools/dataset_converters/make_synthetic_data.py \\
        data/synthetic_market
    python tools/analysis_tools/compare_on_synthetic.py \\
        --data-root data/synthetic_market --epochs 12 --seeds 0 1 2
    python tools/analysis_tools/compare_on_synthetic.py --epochs 4 \\
        --variants 'BoT baseline' 'BoT + GeM' 'BoT ConvNeXt (small)' \\
        --reference 'BoT baseline'

Prints one markdown table (mean, standard deviation and range over seeds of
mAP, R1 and mINP) and each variant's difference from the reference
(``--reference``, DRANet by default) with a noise verdict; ``--out``
also writes every run's numbers as JSON, and ``--from-json FILE --epochs N``
prints the report of stored runs.
"""
import argparse
import json
import os.path as osp
import statistics
import time

from mmreid_dranet.registry import RUNNERS
from mmreid_dranet.utils import load_config, set_data_root

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = 'configs/dranet/dranet_demo_synthetic.py'
METRICS = ('mAP', 'R1', 'mINP')
BOT = 'configs/baselines/bot_r50_market.py'
# The shipped zoo config of each small backbone variant, and what makes it
# small: widths and depths for from-scratch training on 2 CPU cores at
# 128x64 (the demo's ResNet-18 is at half width too); no ImageNet weights.
SMALL_BACKBONES = {
    'BoT R18-IBN-a (half width)': (
        'configs/baselines/bot_r50_ibn_a_market.py',
        dict(depth=18, stem_channels=32, base_channels=32)),
    'BoT ResNeSt-50 (quarter width)': (
        'configs/baselines/bot_resnest50_market.py',
        dict(stem_channels=16, base_channels=16)),
    'BoT RegNetX-400MF': (
        'configs/baselines/bot_regnetx_3.2gf_market.py',
        dict(arch='regnetx_400mf')),
    'BoT ConvNeXt (small)': (
        'configs/baselines/bot_convnext_t_market.py',
        dict(arch=dict(depths=[2, 2, 2, 2], channels=[32, 64, 128, 256]))),
    'BoT MobileNetV3-S': (
        'configs/baselines/bot_mobilenetv3_l_market.py', dict(arch='small')),
    'BoT ViT (4 layers, 192 wide)': (
        'configs/baselines/bot_vit_b16_market.py',
        dict(arch=dict(embed_dims=192, num_layers=4, num_heads=3,
                       feedforward_channels=384), img_size=(128, 64))),
}
# The pooling and margin-head variants: BoT (or DRANet) with one change.
HEAD_VARIANTS = {
    'BoT + GeM': (BOT, {'model.neck.pooling': 'gem'}),
    'BoT + ArcFace': (BOT, {'model.head.classifier': dict(
        type='ArcFaceClassifier', scale=30.0, margin=0.3)}),
    'BoT + CosFace': (BOT, {'model.head.classifier': dict(
        type='CosFaceClassifier', scale=30.0, margin=0.25)}),
    'BoT + Circle (for triplet)': (BOT, {'model.head.loss_metric': [
        dict(type='CircleLoss', margin=0.25, gamma=64.0),
        dict(type='CenterLoss', loss_weight=5e-4)]}),
    'DRANet + GeM': (None, {'model.neck.pooling': 'gem'}),
}
ZOO_VARIANTS = tuple(SMALL_BACKBONES) + tuple(HEAD_VARIANTS)
VARIANTS = ('DRANet', 'DRANet + triplet', 'BoT baseline',
            'DRANet Table-4 baseline') + ZOO_VARIANTS
# Epochs of the demo schedule (warm-up end, decay milestones, total).
DEMO_WARMUP, DEMO_MILESTONES, DEMO_EPOCHS = 2, (14, 20), 24


def shipped(path):
    return load_config(osp.join(ROOT, path))


def bot_update():
    """The BoT neck, head and test embedding in place of the demo's."""
    bot = shipped(BOT).model
    return {'model.neck': dict(bot.neck, _delete_=True),
            'model.head': dict(bot.head, _delete_=True),
            'model.test_cfg': bot.test_cfg}


def variant_update(name):
    """The model keys a variant changes in the demo config."""
    if name == 'DRANet':
        return {}
    if name in SMALL_BACKBONES:
        path, small = SMALL_BACKBONES[name]
        backbone = dict(shipped(path).model.backbone, **small)
        backbone.update(_delete_=True, init_cfg=None)
        return dict(bot_update(), **{'model.backbone': backbone})
    if name in HEAD_VARIANTS:
        base, update = HEAD_VARIANTS[name]
        return dict(bot_update() if base == BOT else {}, **update)
    if name == 'DRANet + triplet':
        head = shipped('configs/dranet/dranet_r50_market_triplet.py').model
        return {'model.head.loss_metric': head.head.loss_metric}
    if name == 'DRANet Table-4 baseline':
        neck = shipped('configs/dranet/dranet_r50_market_baseline.py').model
        return {'model.neck.use_rcam': neck.neck.use_rcam,
                'model.neck.use_rsam': neck.neck.use_rsam}
    if name == 'BoT baseline':
        return bot_update()
    raise KeyError(f'unknown variant {name!r}, expected one of {VARIANTS}')


def build_cfg(name, seed, epochs, data_root, work_dir):
    cfg = load_config(osp.join(ROOT, DEMO))
    set_data_root(cfg, data_root)
    cfg.merge_from_dict(variant_update(name))
    scale = epochs / DEMO_EPOCHS
    cfg.param_scheduler = [
        dict(type='LinearLR', start_factor=0.05, by_epoch=True, begin=0,
             end=max(1, round(DEMO_WARMUP * scale)),
             convert_to_iter_based=True),
        dict(type='MultiStepLR', by_epoch=True, gamma=0.1,
             milestones=[max(1, round(m * scale)) for m in DEMO_MILESTONES]),
    ]
    # Test once, at the end; no checkpoints.
    cfg.train_cfg = dict(by_epoch=True, max_epochs=epochs,
                         val_interval=epochs + 1)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=50)
    cfg.randomness = dict(seed=seed, deterministic=False)
    tag = f"{name.replace(' ', '_').replace('+', 'plus')}_seed{seed}"
    cfg.work_dir = osp.join(work_dir, tag)
    cfg.experiment_name = f'{tag}_{time.strftime("%Y%m%d_%H%M%S")}'
    return cfg


def run_one(name, seed, args):
    cfg = build_cfg(name, seed, args.epochs, args.data_root, args.work_dir)
    start = time.perf_counter()
    runner = RUNNERS.build(cfg)
    runner.train()
    metrics = runner.test()
    seconds = time.perf_counter() - start
    result = {key: float(metrics[f'reid/{key}']) for key in METRICS}
    result.update(variant=name, seed=seed, seconds=round(seconds, 1))
    print(f'RESULT {json.dumps(result)}', flush=True)
    return result


def spread(values):
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else float('nan')
    return mean, std, min(values), max(values)


def report(results, variants, epochs, reference_name='DRANet'):
    lines = [f'{epochs} epochs, seeds '
             f"{sorted({r['seed'] for r in results})}; "
             'mean +- sample std (min-max) over seeds, %', '',
             '| variant | runs | mAP | R1 | mINP | s/run |',
             '| --- | --- | --- | --- | --- | --- |']
    by_variant = {
        name: [r for r in results if r['variant'] == name]
        for name in variants
    }
    for name, runs in by_variant.items():
        cells = []
        for key in METRICS:
            mean, std, low, high = spread([r[key] for r in runs])
            cells.append(f'{mean:.1f}' if len(runs) == 1 else
                         f'{mean:.1f} +- {std:.1f} ({low:.1f}-{high:.1f})')
        seconds = statistics.fmean(r['seconds'] for r in runs)
        lines.append(f"| {name} | {len(runs)} | {' | '.join(cells)} | "
                     f'{seconds:.0f} |')
    reference = by_variant.get(reference_name)
    if reference and len(reference) > 1:
        lines += ['', f'Difference from {reference_name} (mean of the '
                  f"variant minus {reference_name}'s); 'noise' when it is "
                  'within 2 standard errors of the difference, '
                  'sqrt(s1^2/n1 + s2^2/n2):', '']
        for name, runs in by_variant.items():
            if name == reference_name or len(runs) < 2:
                continue
            cells = []
            for key in METRICS:
                ours = [r[key] for r in runs]
                base = [r[key] for r in reference]
                diff = statistics.fmean(ours) - statistics.fmean(base)
                error = (statistics.variance(ours) / len(ours) +
                         statistics.variance(base) / len(base))**0.5
                verdict = 'noise' if abs(diff) <= 2 * error else 'beyond'
                cells.append(f'{key} {diff:+.1f} (2se {2 * error:.1f}, '
                             f'{verdict})')
            lines.append(f"- {name}: {'; '.join(cells)}")
    return '\n'.join(lines)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data-root', default='data/synthetic_market')
    parser.add_argument('--epochs', type=int, default=12)
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    parser.add_argument('--variants', nargs='+', default=list(VARIANTS),
                        choices=VARIANTS)
    parser.add_argument('--reference', default='DRANet', choices=VARIANTS,
                        help='the variant the others are compared with')
    parser.add_argument('--work-dir', default='work_dirs/compare_on_synthetic')
    parser.add_argument('--out', help='write every run as JSON here (after '
                        'each run, so a cut-short comparison keeps its runs)')
    parser.add_argument('--from-json', help='only print the report of the '
                        'runs stored in this --out file')
    return parser.parse_args()


def main():
    args = parse_args()
    if args.from_json:
        with open(args.from_json) as f:
            results = json.load(f)
        variants = [name for name in VARIANTS
                    if any(r['variant'] == name for r in results)]
        print(report(results, variants, args.epochs, args.reference))
        return
    if args.epochs < 1:
        raise SystemExit(f'--epochs must be >= 1, got {args.epochs}.')
    results = []
    # Seeds outermost: a run cut short still has every variant of the
    # seeds it finished.
    for seed in args.seeds:
        for name in args.variants:
            results.append(run_one(name, seed, args))
            if args.out:
                with open(args.out, 'w') as f:
                    json.dump(results, f, indent=1)
    print(report(results, args.variants, args.epochs, args.reference))


if __name__ == '__main__':
    main()
