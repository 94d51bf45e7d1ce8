"""The GPU path, measured: training speed by precision and memory layout,
the cost of FiniteLossHook on a GPU step, and the evaluation at MSMT17 size.

1. Training images/s of the default DRANet (``dranet_r50_market.py``:
   ResNet-50, last stride 1, P=3, K=512; 751 identities) at 384x128, batch
   64: fp32, AMP fp16, AMP bf16 (mmengine's ``AmpOptimWrapper``, dynamic loss
   scale), each also with ``channels_last``. A step is forward + backward +
   SGD step from a batch already on the GPU (the loader is not timed), with
   ``torch.cuda.synchronize()``; median of the timed steps; peak memory; the
   last loss (finite, or the mode is broken).
2. FiniteLossHook: the fp32 step with and without it (bench_finite_loss.py).
3. ``evaluate_reid`` on CUDA tensors at MSMT17 size (11659 query x 82161
   gallery, 3072-d like DRANet's embedding, trained-like synthetic features
   from bench_eval.py) against the bare chunked query x gallery product on
   the same GPU.

Without CUDA it prints one SKIPPED line and exits 0. ``--dry-run`` runs
every code path on the CPU at toy sizes (AMP skipped: mmengine's AMP wrapper
needs a GPU) to check the script, not to measure anything.

    python benchmarks/bench_gpu.py
    python benchmarks/bench_gpu.py --steps 10 --warmup 3
"""
import argparse
import os.path as osp
import statistics
import sys
import time

import torch

HERE = osp.dirname(osp.abspath(__file__))
sys.path.insert(0, HERE)

from bench_finite_loss import (DEMO_CONFIG, REPO, build_model,  # noqa: E402
                               fake_batch, finite_check_rows, make_step)
from eval_problems import SIZES, make_problem  # noqa: E402

DEFAULT_CONFIG = osp.join(REPO, 'configs/dranet/dranet_r50_market.py')
NUM_CLASSES = 751  # Market-1501 training identities
MODES = [  # (name, AMP dtype or None, channels_last)
    ('fp32', None, False),
    ('fp32 + channels_last', None, True),
    ('AMP fp16', 'float16', False),
    ('AMP fp16 + channels_last', 'float16', True),
    ('AMP bf16', 'bfloat16', False),
    ('AMP bf16 + channels_last', 'bfloat16', True),
]


def optim_wrapper_for(model, amp_dtype):
    from mmengine.optim import AmpOptimWrapper, OptimWrapper
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
    if amp_dtype is None:
        return OptimWrapper(optimizer)
    return AmpOptimWrapper(optimizer=optimizer, dtype=amp_dtype,
                           loss_scale='dynamic')


def train_mode(args, amp_dtype, channels_last):
    """(images/s, peak GiB, last loss) of one training mode."""
    torch.manual_seed(0)
    model = build_model(args.config, NUM_CLASSES, args.device)
    data = fake_batch(model, args.batch_size, args.height, args.width,
                      NUM_CLASSES, args.device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        data['inputs'] = data['inputs'].contiguous(
            memory_format=torch.channels_last)
    step = make_step(model, data, optim_wrapper_for(model, amp_dtype),
                     args.synchronize)
    if args.cuda:
        torch.cuda.reset_peak_memory_stats()
    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        log_vars = step()
        times.append(time.perf_counter() - start)
    peak = torch.cuda.max_memory_allocated() / 2**30 if args.cuda else 0.0
    loss = log_vars['loss'].detach().item()
    del model, data, step
    if args.cuda:
        torch.cuda.empty_cache()
    return args.batch_size / statistics.median(times), peak, loss


def bench_training(args):
    rows, base = [], None
    for name, amp_dtype, channels_last in MODES:
        if amp_dtype is not None and not args.cuda:
            continue  # dry run on the CPU
        images_per_s, peak, loss = train_mode(args, amp_dtype, channels_last)
        base = base or images_per_s
        rows.append(f'| train {name} | {images_per_s:.1f} img/s | '
                    f'{images_per_s / base:.2f} x fp32 | peak {peak:.1f} GiB,'
                    f' last loss {loss:.3f} |')
    return rows


def bench_finite_check(args):
    torch.manual_seed(0)
    model = build_model(args.config, NUM_CLASSES, args.device)
    data = fake_batch(model, args.batch_size, args.height, args.width,
                      NUM_CLASSES, args.device)
    step = make_step(model, data, optim_wrapper_for(model, None),
                     args.synchronize)
    rows = finite_check_rows(step, args.warmup, args.steps, 'train fp32')
    return [row + ' |' for row in rows]


def timed(function, synchronize, repeats):
    times, out = [], None
    for _ in range(repeats):
        synchronize()
        start = time.perf_counter()
        out = function()
        synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def bench_evaluation(args):
    from mmreid_dranet.evaluation import evaluate_reid
    from mmreid_dranet.evaluation.functional.retrieval import \
        DEFAULT_BLOCK_ELEMENTS
    problem = make_problem(**args.eval_size, dim=args.eval_dim)
    q_feats, g_feats = (f.to(args.device) for f in problem[:2])
    labels = [t.to(args.device) for t in problem[2:]]
    chunk = max(1, DEFAULT_BLOCK_ELEMENTS // len(g_feats))

    def bare_product():
        for s in range(0, len(q_feats), chunk):
            torch.mm(q_feats[s:s + chunk], g_feats.t())

    q_pids, g_pids, q_cams, g_cams = labels
    evaluate_reid(q_feats[:chunk], g_feats, q_pids[:chunk], g_pids,
                  q_cams[:chunk], g_cams)  # warm-up (kernels, allocator)
    bare_product()
    t_bare, _ = timed(bare_product, args.synchronize, args.eval_repeats)
    t_eval, result = timed(
        lambda: evaluate_reid(q_feats, g_feats, *labels).metrics,
        args.synchronize, args.eval_repeats)
    shape = f'{len(q_feats)} x {len(g_feats)} x {q_feats.size(1)}'
    return [
        f'| eval {shape}: bare chunked product ({chunk} rows) | '
        f'{t_bare:.3f} s | | |',
        f'| eval {shape}: evaluate_reid | {t_eval:.3f} s | '
        f'{t_eval / t_bare:.2f} x product | mAP {result["mAP"]:.2f}, '
        f'R1 {result["R1"]:.2f}, mINP {result["mINP"]:.2f} |',
    ]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--steps', type=int, default=20,
                        help='timed training steps per mode')
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--eval-repeats', type=int, default=3)
    parser.add_argument('--dry-run', action='store_true',
                        help='every code path on the CPU at toy sizes')
    args = parser.parse_args(argv)
    args.cuda = not args.dry_run
    args.device = 'cuda' if args.cuda else 'cpu'
    args.synchronize = torch.cuda.synchronize if args.cuda else (
        lambda: None)
    if args.dry_run:
        args.config, args.batch_size, args.height, args.width = (
            DEMO_CONFIG, 2, 64, 32)
        args.steps, args.warmup, args.eval_repeats = 2, 1, 1
        args.eval_size = dict(SIZES['msmt17'], num_query=300,
                              num_gallery=2000, num_ids=100)
        args.eval_dim = 64
    else:
        args.config, args.batch_size, args.height, args.width = (
            DEFAULT_CONFIG, 64, 384, 128)
        args.eval_size, args.eval_dim = SIZES['msmt17'], 3072
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.cuda and not torch.cuda.is_available():
        print('bench_gpu: SKIPPED - no CUDA device here '
              '(torch.cuda.is_available() is False); no GPU numbers were '
              'measured.')
        return
    from mmengine.logging import MMLogger
    MMLogger.get_instance('mmengine', log_level='ERROR')
    device = (torch.cuda.get_device_name() if args.cuda else
              'CPU dry run (toy sizes: checks the script, measures nothing)')
    print(f'\n{device}; torch {torch.__version__}; '
          f'{osp.relpath(args.config, REPO)}, {args.height}x{args.width}, '
          f'batch {args.batch_size}; medians of {args.steps} steps after '
          f'{args.warmup} warm-up; cudnn.benchmark off, TF32 as torch '
          'defaults\n')
    print('| measurement | value | ratio | notes |')
    print('| --- | ---: | ---: | --- |')
    for section in (bench_training, bench_finite_check, bench_evaluation):
        for row in section(args):
            print(row, flush=True)


if __name__ == '__main__':
    main()
