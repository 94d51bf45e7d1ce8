"""The ``make demo`` job, end to end on the embedded synthetic data set.

1. writes the synthetic Market-1501-layout data set (when missing),
2. trains DRANet (configs/dranet/dranet_demo_synthetic.py) on the CPU,
3. tests the best checkpoint, saving the embeddings and ranked-list pictures,
4. prints R1/R5/R10/mAP/mINP next to the chance level of the same split.

The same steps by hand::

    python tools/dataset_converters/make_synthetic_data.py \\
        data/synthetic_market
    python tools/train.py configs/dranet/dranet_demo_synthetic.py
    python tools/test.py configs/dranet/dranet_demo_synthetic.py \\
        work_dirs/dranet_demo_synthetic/best_reid_mAP_epoch_24.pth \\
        --out embeddings.npz --show-dir ranked_lists
"""
import argparse
import glob
import os.path as osp
import time

import numpy as np

from mmreid_dranet.datasets import make_synthetic_market
from mmreid_dranet.evaluation import evaluate_reid, load_features
from mmreid_dranet.utils import (build_runner, configure_device, load_config,
                                 set_data_root, set_work_dir)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(REPO, 'configs/dranet/dranet_demo_synthetic.py')
METRIC_KEYS = ('R1', 'R5', 'R10', 'mAP', 'mINP')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data-root', default='data/synthetic_market')
    parser.add_argument('--work-dir',
                        default='work_dirs/dranet_demo_synthetic')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the synthetic data and the training')
    return parser.parse_args()


def prepare_config(args, experiment_name):
    cfg = load_config(CONFIG)
    set_data_root(cfg, args.data_root)
    set_work_dir(cfg, CONFIG, args.work_dir)
    configure_device(cfg, launcher='none')
    cfg.randomness = dict(seed=args.seed, deterministic=False)
    cfg.experiment_name = f'{experiment_name}_{time.strftime("%H%M%S")}'
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


def main():
    args = parse_args()
    start = time.perf_counter()
    if not osp.isdir(osp.join(args.data_root, 'bounding_box_train')):
        make_synthetic_market(args.data_root, seed=args.seed)
        print(f'Wrote the synthetic data set to {args.data_root}')

    build_runner(prepare_config(args, 'train')).train()
    best = sorted(glob.glob(osp.join(args.work_dir, 'best_reid_mAP_*.pth')))
    checkpoint = best[-1] if best else osp.join(args.work_dir,
                                                'last_checkpoint')

    cfg = prepare_config(args, 'test')
    cfg.load_from = checkpoint
    embeddings_file = osp.join(args.work_dir, 'embeddings.npz')
    ranked_lists_dir = osp.join(args.work_dir, 'ranked_lists')
    cfg.test_evaluator = [
        cfg.test_evaluator,
        dict(type='DumpReIDEmbeddings', out_file=embeddings_file)
    ]
    cfg.default_hooks.visualization.update(
        enable=True, out_dir=ranked_lists_dir, num_queries=8)
    metrics = build_runner(cfg).test()
    chance = chance_level(embeddings_file, args.seed)

    rows = [('DRANet (demo)', [metrics[f'reid/{k}'] for k in METRIC_KEYS]),
            ('random embeddings', [chance[k] for k in METRIC_KEYS])]
    print(f'\nDRANet demo on the synthetic data set ({args.data_root}), '
          f'checkpoint {checkpoint}:\n')
    print('| | ' + ' | '.join(METRIC_KEYS) + ' |')
    print('| --- ' * (len(METRIC_KEYS) + 1) + '|')
    for name, values in rows:
        print(f'| {name} | ' + ' | '.join(f'{v:.1f}' for v in values) + ' |')
    print(f'\nEmbeddings: {embeddings_file}\nRanked lists: {ranked_lists_dir}'
          f'\nTotal time: {time.perf_counter() - start:.0f} s')


if __name__ == '__main__':
    main()
