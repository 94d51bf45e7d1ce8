"""The ``make demo`` job, end to end on the embedded synthetic data set.

1. writes the synthetic Market-1501-layout data set (when missing),
2. trains DRANet (configs/dranet/dranet_demo_synthetic.py) on the CPU,
3. tests the best checkpoint, saving the embeddings and ranked-list pictures,
4. prints R1/R5/R10/mAP/mINP next to the chance level of the same split,
   with the range measured on the machines tried, and exits with status 1
   when R1 or mAP is below :data:`FLOOR`.

Training on the CPU is deterministic on one machine, but float results
differ between processor types, so the figures differ by a few points from
one machine to another (:data:`MEASURED`); the floor holds on all of them.

The same steps by hand::

    python tools/dataset_converters/make_synthetic_data.py \\
        data/synthetic_market
    python tools/train.py configs/dranet/dranet_demo_synthetic.py
    python tools/test.py configs/dranet/dranet_demo_synthetic.py \\
        work_dirs/dranet_demo_synthetic/best_reid_mAP_epoch_24.pth \\
        --out work_dirs/dranet_demo_synthetic/embeddings.npz \\
        --show-dir work_dirs/dranet_demo_synthetic/ranked_lists
"""
import argparse
import glob
import os.path as osp
import sys
import time

import numpy as np

from mmreid_dranet.datasets import make_synthetic_market
from mmreid_dranet.evaluation import evaluate_reid, load_features
from mmreid_dranet.utils import (build_runner, configure_device, load_config,
                                 set_data_root, set_work_dir)
from mmreid_dranet.utils.console import (VERBOSE_KEY, known_warnings_filtered,
                                         user_errors_as_messages)
from mmreid_dranet.utils.provenance import EmbeddingProvenance

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(REPO, 'configs/dranet/dranet_demo_synthetic.py')
METRIC_KEYS = ('R1', 'R5', 'R10', 'mAP', 'mINP')
# What `make demo` printed (seed 0) on the machines tried: (machine, R1,
# mAP, seconds). README.md and docs/en/get_started.md quote these figures.
MEASURED = (
    ('2-core AMD EPYC', 80.1, 76.7, 218),
    ('2-core Intel Xeon', 84.0, 78.3, 227),
)
# The least a working install reaches on any machine (random embeddings
# reach R1 ~2 / mAP ~3 on this split).
FLOOR = dict(R1=70.0, mAP=60.0)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data-root', default='data/synthetic_market')
    parser.add_argument('--work-dir',
                        default='work_dirs/dranet_demo_synthetic')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the synthetic data and the training')
    parser.add_argument('--verbose', action='store_true',
                        help='print the environment, the full configs, '
                        'the hook tables and every warning on the console')
    return parser.parse_args(argv)


def prepare_config(args, experiment_name):
    cfg = load_config(CONFIG)
    set_data_root(cfg, args.data_root)
    set_work_dir(cfg, CONFIG, args.work_dir)
    configure_device(cfg, launcher='none')
    cfg.randomness = dict(seed=args.seed, deterministic=False)
    cfg.experiment_name = f'{experiment_name}_{time.strftime("%H%M%S")}'
    cfg[VERBOSE_KEY] = args.verbose
    return cfg


def chance_level(embeddings_file, seed):
    """Metrics of random embeddings on the same query/gallery labels."""
    arrays = load_features(embeddings_file)
    rng = np.random.default_rng(seed)
    dim = arrays['query_feats'].shape[1]
    return evaluate_reid(
        rng.standard_normal((len(arrays['query_pids']), dim)),
        rng.standard_normal((len(arrays['gallery_pids']), dim)),
        arrays['query_pids'], arrays['gallery_pids'],
        arrays['query_camids'], arrays['gallery_camids']).metrics


def expected_range() -> str:
    """The R1 / mAP range of :data:`MEASURED`, naming the machines."""
    r1 = [row[1] for row in MEASURED]
    mean_ap = [row[2] for row in MEASURED]
    return (f'R1 {min(r1):.1f}-{max(r1):.1f}, mAP {min(mean_ap):.1f}-'
            f'{max(mean_ap):.1f} on the machines tried ('
            + ', '.join(f'{name}: {a:.1f} / {b:.1f} in {t} s'
                        for name, a, b, t in MEASURED) + ')')


def below_floor(metrics: dict) -> list:
    """The :data:`FLOOR` checks that ``metrics`` fails, as text."""
    return [f'{key} {metrics[key]:.1f} < {floor:.0f}'
            for key, floor in FLOOR.items() if metrics[key] < floor]


def report(metrics: dict, chance: dict, title: str, files: str,
           seconds: float) -> int:
    """Print the table, the expected range and the floor check.

    Args:
        metrics (dict): The demo model's R1, R5, R10, mAP, mINP.
        chance (dict): The same metrics of random embeddings.
        title (str): The line above the table.
        files (str): The lines naming the outputs.
        seconds (float): The demo's run time.

    Returns:
        int: The exit status, 1 when a metric is below :data:`FLOOR`.
    """
    print(f'\n{title}\n')
    print('| | ' + ' | '.join(METRIC_KEYS) + ' |')
    print('| --- ' * (len(METRIC_KEYS) + 1) + '|')
    for name, values in (('DRANet (demo)', metrics),
                         ('random embeddings', chance)):
        print(f'| {name} | '
              + ' | '.join(f'{values[k]:.1f}' for k in METRIC_KEYS) + ' |')
    print(f'\n{files}\nTotal time: {seconds:.0f} s')
    print(f'\nExpected: {expected_range()}. Float results differ between '
          'processor types, so the figures differ by a few points from one '
          'machine to another.')
    failed = below_floor(metrics)
    if failed:
        print(f'\nFAILED: {", ".join(failed)}. The demo reaches '
              + ' and '.join(f'{k} >= {v:.0f}' for k, v in FLOOR.items())
              + ' on every machine tried: the install or the code is broken '
              '(run `make test`; `--verbose` shows the whole run).',
              file=sys.stderr)
        return 1
    print('Check passed: ' + ', '.join(
        f'{k} {metrics[k]:.1f} >= {v:.0f}' for k, v in FLOOR.items()) + '.')
    return 0


def run(args) -> int:
    """The demo; returns the exit status."""
    start = time.perf_counter()
    if not osp.isdir(osp.join(args.data_root, 'bounding_box_train')):
        make_synthetic_market(args.data_root, seed=args.seed)
        print(f'Wrote the synthetic data set to {args.data_root}')

    build_runner(prepare_config(args, 'train')).train()
    best = sorted(glob.glob(osp.join(args.work_dir, 'best_reid_mAP_*.pth')))
    checkpoint = best[-1] if best else osp.join(args.work_dir,
                                                'last_checkpoint')

    if not best:  # mmengine's pointer file names the checkpoint
        with open(checkpoint) as f:
            checkpoint = f.read().strip()
    cfg = prepare_config(args, 'test')
    cfg.load_from = checkpoint
    embeddings_file = osp.join(args.work_dir, 'embeddings.npz')
    ranked_lists_dir = osp.join(args.work_dir, 'ranked_lists')
    provenance = EmbeddingProvenance.from_config(cfg, checkpoint)
    cfg.test_evaluator = [
        cfg.test_evaluator,
        dict(type='DumpReIDEmbeddings', out_file=embeddings_file,
             provenance=provenance.to_dict())
    ]
    cfg.default_hooks.visualization.update(
        enable=True, out_dir=ranked_lists_dir, num_queries=8)
    metrics = build_runner(cfg).test()
    return report(
        {key: metrics[f'reid/{key}'] for key in METRIC_KEYS},
        chance_level(embeddings_file, args.seed),
        f'DRANet demo on the synthetic data set ({args.data_root}), '
        f'checkpoint {checkpoint}:',
        f'Embeddings: {embeddings_file}\nRanked lists: {ranked_lists_dir}',
        time.perf_counter() - start)


def main(argv=None):
    args = parse_args(argv)
    with known_warnings_filtered(not args.verbose), \
            user_errors_as_messages(args.verbose):
        status = run(args)
    sys.exit(status)


if __name__ == '__main__':
    main()
