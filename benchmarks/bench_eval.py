"""Benchmark of the re-ID evaluation (CMC / mAP / mINP), re-ranking and the
ranking spread over processes.

On synthetic embeddings with a realistic pid/camera structure (identity
centres + noise, distractor ids only in the gallery: "trained-like") and on
pure gaussian embeddings ("random": what an untrained model gives), in one
run:

0. The machine: CPU model, torch, threads, and the product the evaluation
   chose on it (``product_choice``: torch's ``mm`` or oneDNN, measured once
   per process, or forced by ``MMREID_PRODUCT``) with the probe's times.
1. Market-1501 size (3368 x 15913, 2048-d): ``evaluate_reid`` against a
   plain evaluator as the popular toolboxes write it (full distance matrix,
   numpy argsort of all of it, then the per-query protocol, vectorised over
   blocks of queries so the comparison is fair); the bare product both ways.
2. MSMT17 size (11659 x 82161, 2048-d), random and trained-like features:
   ``evaluate_reid`` on CPU tensors and on numpy arrays against the bare
   chunked product (same chunks, same bias) with torch's ``mm`` and with
   oneDNN, each forced: the ratio is to the faster of the two. The peak
   memory beyond the features of a user's plain call (defaults, numpy
   arrays and CPU tensors) in a fresh process: the features built, then
   ``gc.collect()`` and glibc's ``malloc_trim(0)`` (so that no freed heap
   left by building them hides the call's own growth), ``VmHWM`` reset,
   and its peak minus the RSS before the call (Linux only). The per-query
   scores of the first queries are checked equal to a stable-argsort
   evaluator's.
3. k-reciprocal re-ranking at MSMT17 size (93820 samples; Market size with
   ``--quick``): time and peak memory beyond the features, against the bare
   (Q+G)^2 distance product (chunked, nothing kept).
4. The ranking spread over 2 processes (torchrun, gloo, 1 thread each)
   against 1 process with 1 thread: each rank's time and peak memory.
5. The verification rates (``evaluate_verification``) at Market and MSMT17
   size (trained-like) against the bare chunked product of the same run,
   and the plain call's memory in a fresh process
   (``verification_rows.py``).

Prints a markdown table (medians of repeats where repeated). Usage:
    python benchmarks/bench_eval.py [--quick] [--repeats N]
"""
import argparse
import ctypes
import gc
import json
import os
import os.path as osp
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import torch

from mmreid_dranet.evaluation import (RerankOptions, compute_distance,
                                      evaluate_reid)
from mmreid_dranet.evaluation.functional.inputs import squared_norms
from mmreid_dranet.evaluation.functional.products import (inner_products,
                                                          product_choice)
from mmreid_dranet.evaluation.functional.retrieval import \
    DEFAULT_BLOCK_ELEMENTS
from mmreid_dranet.utils.distributed import release_process_group

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from eval_problems import (QUICK_SIZES, SIZES, make_problem,  # noqa: E402
                           plain_evaluate, stable_argsort_scores)
from verification_rows import bench_verification  # noqa: E402


def bare_matmul(q_feats, g_feats, g_norms, chunk_size, product):
    """The chunked product ``evaluate_reid`` computes (same chunks, the
    gallery's squared norms as bias), with ``product`` forced, nothing
    kept."""
    for s in range(0, len(q_feats), chunk_size):
        inner_products(q_feats[s:s + chunk_size], g_feats, bias=g_norms,
                       product=product)


def cpu_model():
    """The CPU's model name and logical CPU count, from /proc/cpuinfo."""
    try:
        with open('/proc/cpuinfo') as f:
            names = [line.split(':', 1)[1].strip() for line in f
                     if line.startswith('model name')]
    except OSError:
        names = []
    if names:
        return f'{names[0]} x{len(names)}'
    return platform.processor() or platform.machine()


def describe_choice(choice):
    """One line: the product chosen and why (the probe's times)."""
    text = f'{choice.product} ({choice.reason}'
    if choice.seconds:
        text += ('; probe medians: mm {mm:.1f} ms, mkldnn {mkldnn:.1f} ms'
                 .format(**{k: v * 1e3 for k, v in choice.seconds.items()}))
    return text + ')'


def timed_group(functions, repeats):
    """Medians of interleaved runs of functions (the machine is shared:
    interleaving exposes all of them to the same load); the last outputs."""
    times = [[] for _ in functions]
    outs = [None] * len(functions)
    for _ in range(repeats):
        for i, fn in enumerate(functions):
            start = time.perf_counter()
            outs[i] = fn()
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times], outs


def timed_pair(first, second, repeats):
    (t_first, t_second), (out_first, out_second) = timed_group(
        (first, second), repeats)
    return t_first, out_first, t_second, out_second


def quiet_evaluate(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return evaluate_reid(*args, **kwargs)


def check_against_stable_argsort(problem, num_checked):
    """Per-query scores of the first queries equal the reference's."""
    q_feats, g_feats, q_pids, g_pids, q_cams, g_cams = problem
    sub = (q_feats[:num_checked], g_feats, q_pids[:num_checked], g_pids,
           q_cams[:num_checked], g_cams)
    ours = quiet_evaluate(*sub, return_distances=True)
    ap, first = stable_argsort_scores(ours.distance_block, *sub[2:])
    same = (np.array_equal(ours.first_match_rank, first) and
            np.allclose(ours.ap, ap, rtol=1e-12, atol=0, equal_nan=True))
    assert same, 'evaluate_reid differs from the stable-argsort reference'
    return num_checked


def bare_all_pairs_product(problem,
                           block_elements=DEFAULT_BLOCK_ELEMENTS):
    """The (Q+G)^2 distance product a dense re-ranking starts from, chunked
    (nothing kept): the lower bound of any exact neighbour search."""
    samples = (problem[0], problem[1])
    num_all = len(problem[0]) + len(problem[1])
    rows = max(1, block_elements // num_all)
    start = time.perf_counter()
    for part in samples:
        for s in range(0, len(part), rows):
            block = part[s:s + rows]
            for other in samples:
                inner_products(block, other)
    return time.perf_counter() - start


def _rss_kib(field):
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise RuntimeError(f'{field} not in /proc/self/status')


def _reset_peak():
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')  # resets VmHWM to the current RSS (Linux >= 4.0)
    return _rss_kib('VmRSS')


def _release_free_heap():
    """Give freed heap memory back to the OS (glibc), so that pages left
    by building the features do not hide what the evaluation adds."""
    gc.collect()
    try:
        ctypes.CDLL('libc.so.6').malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to trim


def peak_memory_child(size_json, mode):
    """In a fresh process: time and extra peak RSS (MiB) of one evaluation:
    the peak RSS (VmHWM, reset once the features are built and the freed
    heap trimmed) minus the RSS before the evaluation. ``mode``:
    ``'plain'`` (CPU tensors), ``'plain-numpy'`` (numpy arrays: the plain
    call of a user) or ``'rerank'``. Under torchrun, each rank reports its
    own and the ranking is spread (``distributed=True``)."""
    distributed = 'WORLD_SIZE' in os.environ
    if distributed:
        torch.distributed.init_process_group('gloo')
    torch.set_num_threads(int(os.environ.get('BENCH_THREADS', '2')))
    problem = make_problem(**json.loads(size_json))
    if mode.endswith('-numpy'):
        problem = tuple(t.numpy() for t in problem)  # views, no copy
    kwargs = dict(rerank=RerankOptions()) if mode == 'rerank' else {}
    if distributed:
        kwargs['distributed'] = True
    if mode == 'verification':
        problem = tuple(t.numpy() for t in problem)
    _release_free_heap()
    base = _reset_peak()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        if mode == 'verification':
            from mmreid_dranet.evaluation import evaluate_verification
            verified = evaluate_verification(*problem).metrics()
            result = dict(mAP=verified['AUC'], R1=verified['TPR@FPR=1e-3'])
        else:
            result = evaluate_reid(*problem, **kwargs).metrics
    seconds = time.perf_counter() - start
    peak = _rss_kib('VmHWM')
    rank = int(os.environ.get('RANK', '0'))
    # One file per rank: the ranks share stdout, where lines can interleave.
    with open(osp.join(os.environ['BENCH_RESULT_DIR'], f'rank{rank}.json'),
              'w') as f:
        json.dump(dict(extra_mib=(peak - base) / 1024, seconds=seconds,
                       mAP=result['mAP'], R1=result['R1'],
                       product=product_choice().product), f)
    release_process_group()


def measure_in_child(size, mode, processes=0, threads=2):
    """Run peak_memory_child in fresh process(es); list of per-rank dicts."""
    child = [__file__, '--child', json.dumps(size), mode]
    if processes:
        command = [sys.executable, '-m', 'torch.distributed.run',
                   f'--nproc_per_node={processes}',
                   f'--master_port={29400 + os.getpid() % 500}'] + child
    else:
        command = [sys.executable] + child
    with tempfile.TemporaryDirectory() as result_dir:
        env = dict(os.environ, BENCH_THREADS=str(threads),
                   OMP_NUM_THREADS=str(threads), BENCH_RESULT_DIR=result_dir)
        subprocess.run(command, check=True, capture_output=True, text=True,
                       env=env)
        results = []
        for rank in range(max(processes, 1)):
            with open(osp.join(result_dir, f'rank{rank}.json')) as f:
                results.append(json.load(f))
    return results


def bench_market(rows, size, repeats):
    """evaluate_reid against the plain evaluator, with torchreid's product
    and with ours, and the two bare products."""
    market = make_problem(**size)
    q_feats, g_feats = market[:2]
    (t_torch_mm, t_onednn, t_plain, t_plain_ours, t_ours), outs = timed_group(
        (lambda: torch.mm(q_feats, g_feats.t()),
         lambda: inner_products(q_feats, g_feats, product='mkldnn'),
         lambda: plain_evaluate(*market),
         lambda: plain_evaluate(*market, distance=compute_distance),
         lambda: quiet_evaluate(*market).metrics), repeats)
    plain, ours = outs[2], outs[4]
    # Same protocol; the last digits may differ where float32 rounding
    # of the full vs the chunked product swaps two near-tied distances.
    diff = max(abs(plain[k] - ours[k]) for k in plain)
    assert diff < 1e-3, (plain, ours)
    shape = f"{size['num_query']} x {size['num_gallery']}"
    rows.append((f'Market-size {shape}: bare product, torch.mm', t_torch_mm,
                 '', ''))
    rows.append((f'Market-size {shape}: bare product, oneDNN',
                 t_onednn, f'{t_onednn / t_torch_mm:.3f} of torch.mm', ''))
    t_our_mm = min(t_torch_mm, t_onednn)
    rows.append((f'Market-size {shape}: plain full-argsort evaluator '
                 '(torchreid-style addmm product)', t_plain, '', ''))
    rows.append((f'Market-size {shape}: plain full-argsort evaluator, '
                 'our product (as chosen)', t_plain_ours,
                 f'{t_plain_ours / t_plain:.3f} of plain', ''))
    rows.append((f'Market-size {shape}: evaluate_reid', t_ours,
                 f'{t_ours / t_plain:.3f} of plain, '
                 f'{t_ours / t_plain_ours:.3f} of plain with our product',
                 f"mAP {ours['mAP']:.2f}, R1 {ours['R1']:.2f}, mINP "
                 f"{ours['mINP']:.2f}; max diff to plain {diff:.1e}; "
                 f'{t_ours / t_our_mm:.2f} x the faster bare product'))


def _time_msmt(problem, chunk, repeats):
    """Median times of both bare products and of evaluate_reid on tensors
    and on numpy arrays (interleaved); the evaluation's metrics."""
    q_feats, g_feats = problem[:2]
    arrays = tuple(t.numpy() for t in problem)  # views, no copy
    g_norms = squared_norms(g_feats)
    times, outs = timed_group(
        (lambda: bare_matmul(q_feats, g_feats, g_norms, chunk, 'mm'),
         lambda: bare_matmul(q_feats, g_feats, g_norms, chunk, 'mkldnn'),
         lambda: quiet_evaluate(*problem).metrics,
         lambda: quiet_evaluate(*arrays).metrics), repeats)
    assert outs[3] == outs[2], (outs[3], outs[2])
    return times, outs[2]


def bench_msmt(rows, size, name, repeats):
    """evaluate_reid on tensors and numpy arrays against the faster of the
    two bare chunked products; the plain call's memory in fresh
    processes."""
    problem = make_problem(**size)
    chunk = max(1, DEFAULT_BLOCK_ELEMENTS // len(problem[1]))
    (t_mm, t_onednn, t_tensor, t_numpy), ours = _time_msmt(
        problem, chunk, repeats)
    checked = check_against_stable_argsort(
        problem, min(2 * chunk, size["num_query"]))
    del problem
    memory = {kind: measure_in_child(size, mode)[0]
              for kind, mode in (('tensors', 'plain'),
                                 ('numpy', 'plain-numpy'))}
    faster = min(t_mm, t_onednn)
    chosen = product_choice().product
    shape = f"{size['num_query']} x {size['num_gallery']}"
    for product, seconds in (('mm', t_mm), ('mkldnn', t_onednn)):
        rows.append((f'MSMT17-size {shape}, {name}: bare chunked product '
                     f'({chunk} rows), {product}', seconds,
                     f'{seconds / faster:.3f} x the faster',
                     'chosen' if product == chosen else ''))
    for kind, seconds in (('tensors', t_tensor), ('numpy', t_numpy)):
        rows.append((
            f'MSMT17-size {shape}, {name}: evaluate_reid, {kind}', seconds,
            f'{seconds / faster:.3f} x the faster product',
            f"mAP {ours['mAP']:.2f}, R1 {ours['R1']:.2f}, mINP "
            f"{ours['mINP']:.2f}; plain call in a fresh process: "
            f"{memory[kind]['extra_mib']:.0f} MiB beyond the features "
            f"({memory[kind]['seconds']:.1f} s, "
            f"{memory[kind]['product']}); per-query scores of {checked} "
            'queries equal to stable argsort'))


def bench_rerank(rows, size, name):
    problem = make_problem(**size)
    t_product = bare_all_pairs_product(problem)
    num_all = size['num_query'] + size['num_gallery']
    del problem
    rerank = measure_in_child(size, 'rerank')[0]
    rows.append((f'{name} ({num_all} samples): bare (Q+G)^2 distance '
                 'product', t_product, '', ''))
    rows.append((f'{name}: evaluate_reid(rerank=True), k1=20 k2=6 '
                 'lambda=0.3', rerank['seconds'],
                 f"{rerank['seconds'] / t_product:.2f} x product",
                 f"mAP {rerank['mAP']:.2f}, R1 {rerank['R1']:.2f}; peak "
                 f"beyond features {rerank['extra_mib']:.0f} MiB"))


def bench_distributed(rows, size, name, mode):
    one = measure_in_child(size, mode, threads=1)[0]
    ranks = measure_in_child(size, mode, processes=2, threads=1)
    assert all(r['mAP'] == one['mAP'] and r['R1'] == one['R1']
               for r in ranks), (one, ranks)
    rows.append((f'{name}, {mode}: 1 process x 1 thread', one['seconds'], '',
                 f"peak beyond features {one['extra_mib']:.0f} MiB"))
    for rank, r in enumerate(ranks):
        rows.append((f'{name}, {mode}: 2 processes x 1 thread, rank {rank}',
                     r['seconds'], f"{r['seconds'] / one['seconds']:.2f} of "
                     '1 process', f"peak beyond features "
                     f"{r['extra_mib']:.0f} MiB; metrics identical"))


class PrintedRows(list):
    """Table rows, printed as soon as they are measured (long runs)."""

    def append(self, row):
        name, seconds, ratio, notes = row
        print(f'| {name} | {seconds:.2f} | {ratio} | {notes} |', flush=True)
        super().append(row)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='small sizes, about a minute')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--skip', nargs='*', default=[],
                        choices=['market', 'msmt17-random', 'msmt17-trained',
                                 'rerank', 'distributed',
                                 'verification-market',
                                 'verification-msmt17'],
                        help='sections to leave out')
    parser.add_argument('--child', nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return peak_memory_child(*args.child)
    torch.set_num_threads(2)
    sizes = QUICK_SIZES if args.quick else SIZES
    print(f'CPU: {cpu_model()}; torch {torch.__version__}, '
          f'{torch.get_num_threads()} threads, median of {args.repeats}, '
          '2048-d float32 features')
    print(f'product: {describe_choice(product_choice())}\n')
    print('| case | seconds | ratio | notes |')
    print('| --- | ---: | ---: | --- |', flush=True)
    rows = PrintedRows()

    if 'market' not in args.skip:
        bench_market(rows, sizes['market'], args.repeats)
    if 'msmt17-random' not in args.skip:
        bench_msmt(rows, dict(sizes['msmt17'], random=True),
                   'random features', args.repeats)
    if 'msmt17-trained' not in args.skip:
        bench_msmt(rows, sizes['msmt17'], 'trained-like', args.repeats)
    if 'rerank' not in args.skip:
        bench_rerank(rows, sizes['market'] if args.quick else
                     sizes['msmt17'], 'Market-size' if args.quick else
                     'MSMT17-size')
    if 'distributed' not in args.skip:
        bench_distributed(rows, sizes['market'], 'Market-size', 'plain')
        if not args.quick:
            bench_distributed(rows, sizes['market'], 'Market-size', 'rerank')
    for section, size, name in (('verification-market', 'market', 'Market'),
                                ('verification-msmt17', 'msmt17', 'MSMT17')):
        if section not in args.skip:
            bench_verification(rows, sizes[size], f'{name}, trained-like',
                               args.repeats, make_problem, bare_matmul,
                               measure_in_child)


if __name__ == '__main__':
    main()
