"""Throughput of the training data pipeline in one worker process.

A dataloader worker is one process: this runs the default Market-1501 train
pipeline (configs/_base_/datasets/market1501.py: load, resize to 384x128,
flip, pad 10 + random crop, random erasing, pack) through
``Market1501.__getitem__`` in this process with one OpenCV and one torch
thread, on real JPEG files of Market's size (128x64) written to a temporary
folder. Goal: >= 1000 images/s per worker, so that a few workers feed a GPU.

It also compares mmcv's ``LoadImageFromFile`` with our
``StrictLoadImageFromFile`` (what the corrupt-file check costs) and times
each transform alone.

Usage: ``python benchmarks/bench_data.py [--quick]``; prints markdown.
"""
import argparse
import copy
import os.path as osp
import statistics
import tempfile
import time

import cv2
import torch
from mmengine.config import Config

from mmreid_dranet.datasets import Market1501, make_synthetic_market
from mmreid_dranet.registry import TRANSFORMS

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(REPO, 'configs/_base_/datasets/market1501.py')
GOAL = 1000.0


def rounds_per_second(run_round, num_items, rounds):
    """Items/s of each round (after one warm-up round)."""
    run_round()
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        run_round()
        rates.append(num_items / (time.perf_counter() - start))
    return rates


def dataset_rate(root, pipeline, rounds):
    dataset = Market1501(root, split='train', pipeline=pipeline)

    def run_round():
        for i in range(len(dataset)):
            dataset[i]

    return rounds_per_second(run_round, len(dataset), rounds), len(dataset)


def transform_times(root, pipeline, rounds):
    """Median microseconds per image of each transform alone."""
    dataset = Market1501(root, split='train')
    transforms = [TRANSFORMS.build(copy.deepcopy(t)) for t in pipeline]
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    totals = {i: [] for i in range(len(transforms))}
    for _ in range(rounds):
        spent = [0.0] * len(transforms)
        for info in infos:
            results = copy.copy(info)
            for i, transform in enumerate(transforms):
                start = time.perf_counter()
                results = transform(results)
                spent[i] += time.perf_counter() - start
        for i, seconds in enumerate(spent):
            totals[i].append(seconds / len(infos) * 1e6)
    return [(cfg['type'], statistics.median(totals[i]))
            for i, cfg in enumerate(pipeline)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true',
                        help='few images and rounds (< 1 minute)')
    args = parser.parse_args()
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    num_ids, rounds = (16, 3) if args.quick else (64, 7)
    pipeline = Config.fromfile(CONFIG).train_pipeline
    mmcv_pipeline = copy.deepcopy(pipeline)
    mmcv_pipeline[0] = dict(type='LoadImageFromFile')
    with tempfile.TemporaryDirectory() as root:
        make_synthetic_market(root, num_train_ids=num_ids, num_test_ids=2,
                              num_distractors=0, num_junk=0)
        strict, num_images = dataset_rate(root, pipeline, rounds)
        plain, _ = dataset_rate(root, mmcv_pipeline, rounds)
        per_transform = transform_times(root, pipeline, rounds)
    strict_median, plain_median = (statistics.median(strict),
                                   statistics.median(plain))
    print(f'Train pipeline, one process, 1 OpenCV + 1 torch thread; '
          f'{num_images} JPEGs of 128x64 -> 3x384x128 uint8; median of '
          f'{rounds} rounds (min-max in brackets).\n')
    print('| loader | images/s per worker | us/image | goal 1000/s |')
    print('| --- | --- | --- | --- |')
    for name, rates, median in (
            ('StrictLoadImageFromFile (configs)', strict, strict_median),
            ('mmcv LoadImageFromFile', plain, plain_median)):
        print(f'| {name} | {median:.0f} ({min(rates):.0f}-{max(rates):.0f})'
              f' | {1e6 / median:.0f} | '
              f'{"met" if median >= GOAL else "MISSED"} |')
    print(f'\nStrict / plain loader throughput: '
          f'{strict_median / plain_median:.2f}x\n')
    print('| transform (alone) | median us/image |')
    print('| --- | --- |')
    for name, micros in per_transform:
        print(f'| {name} | {micros:.0f} |')


if __name__ == '__main__':
    main()
