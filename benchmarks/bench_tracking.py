"""Benchmark of the per-frame path of a tracker: ``embed_boxes``.

A tracker embeds every detection of every frame: this prints crops/s of
:func:`mmreid_dranet.apis.embed_boxes` (cut + clip the boxes of one frame,
the test pipeline's resize, the data preprocessor and the embedding, one
batch per frame) at 1, 8, 32 and 64 boxes per frame, on a 1920 x 1080
synthetic frame with pedestrian-sized boxes (about 60 x 150 pixels), for
the 256x128 ResNet-50 DRANet and BoT (random weights: the speed does not
depend on them), test_cfg as the tracking configs set it (no flip, L2).

Usage: ``python benchmarks/bench_tracking.py [--boxes 1 8 32 64]
[--repeats 3] [--models dranet bot]``.
"""
import argparse
import os.path as osp
import statistics
import time
import warnings

import numpy as np
import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = dict(
    dranet=osp.join(REPO, 'configs/dranet/dranet_r50_market_256x128.py'),
    bot=osp.join(REPO, 'configs/baselines/bot_r50_market.py'))
TRACKING_TEST_CFG = {'model.test_cfg.flip': False,
                     'model.test_cfg.l2_normalize': True,
                     'model.backbone.init_cfg': None}


def frame_and_boxes(num_boxes, seed=0):
    """A 1080p BGR frame and ``num_boxes`` x, y, w, h pedestrian boxes."""
    rng = np.random.default_rng(seed)
    frame = rng.integers(0, 256, (1080, 1920, 3), dtype=np.uint8)
    w = rng.integers(40, 80, num_boxes)
    h = (w * rng.uniform(2.2, 2.8, num_boxes)).astype(int)
    x = rng.integers(0, 1920 - 80, num_boxes)
    y = rng.integers(0, 1080 - 230, num_boxes)
    return frame, np.stack([x, y, w, h], axis=1)


def crops_per_second(inferencer, num_boxes, repeats):
    from mmreid_dranet.apis import embed_boxes
    frame, boxes = frame_and_boxes(num_boxes)
    embed_boxes(inferencer, frame, boxes)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        embed_boxes(inferencer, frame, boxes)
        times.append(time.perf_counter() - start)
    return num_boxes / statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--boxes', type=int, nargs='+',
                        default=[1, 8, 32, 64])
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--models', nargs='+', default=sorted(CONFIGS),
                        choices=sorted(CONFIGS))
    parser.add_argument('--quick', action='store_true',
                        help='a smoke run: 1 and 8 boxes, one repeat')
    args = parser.parse_args()
    if args.quick:
        args.boxes, args.repeats = [1, 8], 1
    warnings.simplefilter('ignore')
    from mmreid_dranet.apis import ReIDInferencer
    torch.manual_seed(0)
    lines = [f'### embed_boxes, one 1080p frame (CPU, '
             f'{torch.get_num_threads()} threads, no flip, L2)\n',
             '| model | ' + ' | '.join(
                 f'{n} boxes crops/s' for n in args.boxes) + ' |',
             '| --- |' + ' --- |' * len(args.boxes)]
    for name in args.models:
        inferencer = ReIDInferencer(CONFIGS[name], None, device='cpu',
                                    cfg_options=TRACKING_TEST_CFG,
                                    num_classes=751)
        rates = [crops_per_second(inferencer, n, args.repeats)
                 for n in args.boxes]
        lines.append(f'| {name} R50 256x128 | ' + ' | '.join(
            f'{r:.1f}' for r in rates) + ' |')
        print(lines[-1], flush=True)
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
