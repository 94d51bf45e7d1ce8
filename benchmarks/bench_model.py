"""DRANet vs the global-average-pooling baseline: size, FLOPs, CPU speed.

Both sides are ``ReIDModel`` on the same ReIDResNet-50 (last stride 1):
DRANet = DRANeck + DRAHead (three losses), baseline = mmpretrain's
GlobalAveragePooling + ReIDLinearHead (BN + linear, one loss). Prints a
markdown table: parameters, inference FLOPs (mmengine's counter, which
counts one multiply-add as one FLOP) per image, the median CPU train-step
time (forward + backward + SGD step) and the median inference throughput,
with the ratios to the baseline.

    python benchmarks/bench_model.py            # batch 8, 384x128
    python benchmarks/bench_model.py --quick    # batch 2, < 1 minute
    python benchmarks/bench_model.py --reduce-channels 256 512 1024
"""
import argparse
import inspect
import os
import statistics
import time

import torch
from mmengine.analysis import get_model_complexity_info
from mmengine.logging import MMLogger
from mmengine.optim import OptimWrapper
from mmpretrain.structures import DataSample

from mmreid_dranet.models import ReIDModel
from mmreid_dranet.models.necks import DRANeck

NUM_CLASSES = 751  # Market-1501 training identities
DEFAULT_K = inspect.signature(DRANeck).parameters['reduce_channels'].default


def build_model(reduce_channels=None):
    """DRANet with ``reduce_channels`` (None: the baseline)."""
    backbone = dict(type='ReIDResNet', depth=50)
    if reduce_channels is None:
        neck = dict(type='mmpretrain.GlobalAveragePooling')
        head = dict(type='ReIDLinearHead')
    else:
        neck = dict(type='DRANeck', reduce_channels=reduce_channels)
        head = dict(type='DRAHead')
    # num_classes and the channels are handed to the parts by the model.
    model = ReIDModel(backbone=backbone, neck=neck, head=head,
                      num_classes=NUM_CLASSES)
    model.init_weights()
    return model


def fake_batch(batch_size, height, width):
    generator = torch.Generator().manual_seed(0)
    images = [
        torch.randint(0, 256, (3, height, width), dtype=torch.uint8,
                      generator=generator) for _ in range(batch_size)
    ]
    samples = [
        DataSample().set_gt_label(index % NUM_CLASSES)
        for index in range(batch_size)
    ]
    return dict(inputs=images, data_samples=samples)


def timed(step):
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def interleaved_medians(steps, warmup, repeats):
    """Median seconds of each step, run in turns so that a change in the
    machine's load hits every model alike."""
    for _ in range(warmup):
        for step in steps:
            step()
    times = [[] for _ in steps]
    for _ in range(repeats):
        for step, record in zip(steps, times):
            record.append(timed(step))
    return [statistics.median(record) for record in times]


def measure(models, args):
    """Parameters, FLOPs, train-step and inference medians of each model."""
    data = fake_batch(args.batch_size, args.height, args.width)
    inputs = models[0].data_preprocessor(data, False)['inputs']

    def train_step(model):
        optim_wrapper = OptimWrapper(
            torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9))
        return lambda: model.train().train_step(data, optim_wrapper)

    def infer_step(model):
        return lambda: model.eval()(inputs, mode='tensor')

    train_s = interleaved_medians([train_step(m) for m in models],
                                  args.warmup, args.repeats)
    with torch.no_grad():
        infer_s = interleaved_medians([infer_step(m) for m in models],
                                      args.warmup, args.repeats)
    rows = []
    for model, train, infer in zip(models, train_s, infer_s):
        with torch.no_grad():
            model.eval()
            flops = get_model_complexity_info(
                model, input_shape=(3, args.height, args.width),
                show_table=False, show_arch=False)['flops']
            dim = model(inputs[:1], mode='tensor').size(1)
        rows.append(dict(params=sum(p.numel() for p in model.parameters()),
                         flops=flops, dim=dim, train_s=train,
                         images_per_s=args.batch_size / infer))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='batch 2, 2 timed steps: under a minute')
    parser.add_argument('--reduce-channels', type=int, nargs='+',
                        default=[DEFAULT_K],
                        help='DRANet K values (default: DRANeck default)')
    parser.add_argument('--batch-size', type=int, default=None)
    parser.add_argument('--height', type=int, default=384)
    parser.add_argument('--width', type=int, default=128)
    parser.add_argument('--threads', type=int, default=2)
    args = parser.parse_args()
    if args.batch_size is None:
        args.batch_size = 2 if args.quick else 8
    args.warmup, args.repeats = (1, 2) if args.quick else (1, 5)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    # Keep the table readable: no init or FLOP-counter messages.
    MMLogger.get_instance('mmengine', log_level='ERROR')

    names = ['GAP + BN/linear (baseline)'] + [
        f'DRANet P=3 K={channels}' for channels in args.reduce_channels
    ]
    models = [build_model()] + [
        build_model(channels) for channels in args.reduce_channels
    ]
    rows = list(zip(names, measure(models, args)))
    base = rows[0][1]
    print(f'\nReIDResNet-50, {args.height}x{args.width}, batch '
          f'{args.batch_size}, {args.threads} CPU threads, medians of '
          f'{args.repeats} interleaved steps after {args.warmup} warm-up; '
          'load average (1 min) at the end: '
          f'{os.getloadavg()[0]:.1f}\n')
    print('| model | params (M) | embedding | GFLOPs/img | train step (s) '
          '| train ratio | inference (img/s) | inference time ratio |')
    print('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
    for name, row in rows:
        print(f"| {name} | {row['params'] / 1e6:.2f} | {row['dim']} | "
              f"{row['flops'] / 1e9:.2f} | {row['train_s']:.3f} | "
              f"{row['train_s'] / base['train_s']:.2f}x | "
              f"{row['images_per_s']:.1f} | "
              f"{base['images_per_s'] / row['images_per_s']:.2f}x |")


if __name__ == '__main__':
    main()
