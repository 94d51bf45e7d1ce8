"""Benchmark of the inference API: inferencer, gallery search, ONNX.

In one run, each comparison printed with both sides:

1. ``ReIDInferencer`` on image files (decode + test pipeline + data
   preprocessor + embedding, batched, loading prefetched) against the bare
   ``model(inputs, mode='tensor')`` on the same images already preprocessed
   in memory: images/s and the ratio (goal >= 0.9). The demo model
   (ResNet-18 half width, 128x64) is the hard case (cheap forward, so the
   loading shows); the paper's ResNet-50 at 384x128 too without --quick.
2. ``ReIDGallery.search`` (exact, blocked) over a synthetic gallery of
   trained-like embeddings (identity centres + noise, L2-normalised):
   1,000,000 x 3072 (50,000 with --quick), float32 and float16 storage, in
   fresh processes: queries/s for a batch of queries and for one query,
   the peak RSS of the process and the peak beyond the gallery (``VmHWM``
   reset once the gallery is built). The effect of float16 storage on the
   ranking and the faiss Flat backend (when installed) are measured on a
   smaller gallery (both copies must fit): top-1 agreement and top-10
   overlap with the float32 exact search.
3. onnxruntime against PyTorch on the CPU for the exported demo model
   (flip and L2 in the graph): images/s of the bare forward on the same
   preprocessed batch, and the largest difference.
4. The CPU runtimes a tracker deploys on: PyTorch, ONNX Runtime and
   OpenVINO (float32) on the same preprocessed images at batch 1, 8 and 32,
   for the 256x128 ResNet-50 DRANet with random weights (the demo model
   with --quick), test_cfg as the tracking configs set it (no flip, L2):
   crops/s and the largest difference from PyTorch.

Usage: ``python benchmarks/bench_inference.py [--quick] [--skip ...]``.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO_CONFIG = osp.join(REPO, 'configs', 'dranet', 'dranet_demo_synthetic.py')
PAPER_CONFIG = osp.join(REPO, 'configs', 'dranet', 'dranet_r50_market.py')
TRACKING_CONFIG = osp.join(REPO, 'configs', 'dranet',
                           'dranet_r50_market_256x128.py')
FLIP_L2 = {'model.test_cfg.flip': True, 'model.test_cfg.l2_normalize': True}


def median_seconds(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def write_images(folder, num):
    """``num`` synthetic pedestrian JPEGs (128x64), as a data set has."""
    import cv2

    from mmreid_dranet.apis.export import synthetic_pictures
    pictures = synthetic_pictures(min(num, 32))
    paths = []
    for i in range(num):
        path = osp.join(folder, f'{i:05d}.jpg')
        cv2.imwrite(path, pictures[i % len(pictures)])
        paths.append(path)
    return paths


def bench_inferencer(config, paths, batch_size, repeats):
    """(images/s inferencer, images/s bare forward)."""
    from mmengine.dataset import pseudo_collate

    from mmreid_dranet.apis import ReIDInferencer
    from mmreid_dranet.apis.test_pipeline import TestPipeline
    inferencer = ReIDInferencer(config, None, device='cpu',
                                cfg_options=FLIP_L2, num_classes=64)
    model = inferencer.model
    pipeline = TestPipeline(model._config)
    batches = []
    for s in range(0, len(paths), batch_size):
        packed = [pipeline.from_file(p) for p in paths[s:s + batch_size]]
        with torch.no_grad():
            batches.append(model.data_preprocessor(pseudo_collate(packed),
                                                   False)['inputs'])

    def bare():
        with torch.no_grad():
            for inputs in batches:
                model(inputs, mode='tensor')

    def api():
        inferencer(paths, batch_size=batch_size)

    api()  # warm-up (allocator, thread pools)
    bare_s = median_seconds(bare, repeats)
    api_s = median_seconds(api, repeats)
    return len(paths) / api_s, len(paths) / bare_s


def clustered_gallery(num, dim, dtype, seed=0, num_ids=None):
    """Trained-like unit embeddings, built block by block in ``dtype``."""
    generator = torch.Generator().manual_seed(seed)
    num_ids = num_ids or max(1, num // 20)
    centres = torch.randn(num_ids, dim, generator=generator)
    out = torch.empty(num, dim, dtype=dtype)
    for s in range(0, num, 16384):
        e = min(s + 16384, num)
        ids = torch.randint(0, num_ids, (e - s, ), generator=generator)
        rows = centres[ids] + 0.8 * torch.randn(e - s, dim,
                                                generator=generator)
        out[s:e] = torch.nn.functional.normalize(rows, dim=1).to(dtype)
    return out, centres


def queries_near(centres, num, seed=1):
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, len(centres), (num, ), generator=generator)
    rows = centres[ids] + 0.8 * torch.randn(num, centres.shape[1],
                                            generator=generator)
    return torch.nn.functional.normalize(rows, dim=1)


def rss_kib(field):
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise RuntimeError(f'{field} not in /proc/self/status')


def search_child(args_json):
    """In a fresh process: search speed and peak memory of one gallery."""
    from mmreid_dranet.apis import ReIDGallery
    from mmreid_dranet.evaluation.functional.distance import inner_products
    spec = json.loads(args_json)
    torch.set_num_threads(2)
    feats, centres = clustered_gallery(spec['num'], spec['dim'],
                                       getattr(torch, spec['dtype']))
    gallery = ReIDGallery(feats, dtype=spec['dtype'])
    del feats
    queries = queries_near(centres, spec['num_queries'])
    gallery.search(queries[:1], topk=10)  # builds the per-block norm cache
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')  # reset VmHWM to the current RSS (Linux >= 4.0)
    base = rss_kib('VmRSS')
    start = time.perf_counter()
    gallery.search(queries, topk=10)
    batch_s = time.perf_counter() - start
    start = time.perf_counter()
    gallery.search(queries[:1], topk=10)
    single_s = time.perf_counter() - start
    peak = rss_kib('VmHWM')
    # The lower bound: the bare products over the same gallery blocks.
    rows = max(1, gallery.block_elements // spec['dim'])
    start = time.perf_counter()
    for g0 in range(0, len(gallery), rows):
        inner_products(queries, gallery.embeddings[g0:g0 + rows].float())
    bare_s = time.perf_counter() - start
    print(json.dumps(dict(
        batch_qps=spec['num_queries'] / batch_s, single_qps=1 / single_s,
        bare_qps=spec['num_queries'] / bare_s,
        extra_mib=(peak - base) / 1024, peak_gib=peak / 2**20,
        gallery_gib=gallery.embeddings.numel() *
        gallery.embeddings.element_size() / 2**30)))


def run_child(spec):
    out = subprocess.run(
        [sys.executable, __file__, '--search-child', json.dumps(spec)],
        check=True, capture_output=True, text=True,
        env=dict(os.environ, OMP_NUM_THREADS='2')).stdout
    return json.loads(out.strip().splitlines()[-1])


def ranking_agreement(num, dim, num_queries):
    """float16 storage and faiss Flat against the float32 exact search:
    top-1 agreement, mean top-10 overlap, seconds of each search."""
    from mmreid_dranet.apis import ReIDGallery
    feats, centres = clustered_gallery(num, dim, torch.float32)
    queries = queries_near(centres, num_queries)
    rows = {}
    start = time.perf_counter()
    exact = ReIDGallery(feats).search(queries, 10).indices
    rows['float32 exact'] = (1.0, 1.0, time.perf_counter() - start)
    candidates = {'float16 exact': dict(dtype='float16')}
    try:
        import faiss  # noqa: F401
        candidates['faiss Flat'] = dict(backend='faiss')
    except ImportError:
        pass
    for name, options in candidates.items():
        gallery = ReIDGallery(feats, **options)
        start = time.perf_counter()
        found = gallery.search(queries, 10).indices
        seconds = time.perf_counter() - start
        top1 = float(np.mean(found[:, 0] == exact[:, 0]))
        overlap = float(np.mean([len(set(a) & set(b)) / 10
                                 for a, b in zip(found, exact)]))
        rows[name] = (top1, overlap, seconds)
        del gallery
    return rows


def bench_onnx(num_images, batch_size, repeats):
    """(ort images/s, torch images/s, max |diff|) of the demo model."""
    import onnxruntime

    from mmreid_dranet.apis import init_model
    from mmreid_dranet.apis.export import (EmbeddingGraph, export_onnx,
                                           graph_inputs, synthetic_pictures)
    model = init_model(DEMO_CONFIG, None, 'cpu', FLIP_L2, num_classes=64)
    pictures = synthetic_pictures(8)
    inputs = graph_inputs(model, [pictures[i % 8] for i in range(
        batch_size)])
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'model.onnx')
        export_onnx(model, path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()
        session = onnxruntime.InferenceSession(
            path, options, providers=['CPUExecutionProvider'])
        graph = EmbeddingGraph(model)
        feed = {'images': inputs.numpy()}
        batches = max(1, num_images // batch_size)

        def run_ort():
            for _ in range(batches):
                session.run(None, feed)

        def run_torch():
            with torch.no_grad():
                for _ in range(batches):
                    graph(inputs)

        run_ort(), run_torch()  # warm-up
        ort_s = median_seconds(run_ort, repeats)
        torch_s = median_seconds(run_torch, repeats)
        with torch.no_grad():
            diff = float(np.abs(session.run(None, feed)[0] -
                                graph(inputs).numpy()).max())
    images = batches * batch_size
    return images / ort_s, images / torch_s, diff


def bench_runtimes(config, batch_sizes, repeats):
    """{runtime: [(crops/s, max |diff| from PyTorch) per batch size]} of
    the exported embedding graph on the same preprocessed images."""
    from mmreid_dranet.apis import init_model
    from mmreid_dranet.apis.export import (EmbeddingGraph, export_onnx,
                                           export_openvino, graph_inputs,
                                           synthetic_pictures)
    from mmreid_dranet.apis.runtimes import load_runtime
    model = init_model(config, None, 'cpu', {
        'model.test_cfg.flip': False, 'model.test_cfg.l2_normalize': True,
        'model.backbone.init_cfg': None}, num_classes=751)
    pictures = synthetic_pictures(8)
    largest = max(batch_sizes)
    inputs = graph_inputs(model, [pictures[i % 8] for i in range(largest)])
    graph = EmbeddingGraph(model)
    threads = torch.get_num_threads()

    def run_torch(batch):
        with torch.no_grad():
            return graph(torch.from_numpy(batch)).numpy()

    with tempfile.TemporaryDirectory() as tmp:
        export_onnx(model, osp.join(tmp, 'model.onnx'))
        export_openvino(model, osp.join(tmp, 'model.xml'))
        runners = {
            'PyTorch': run_torch,
            'ONNX Runtime': load_runtime('onnxruntime',
                                         osp.join(tmp, 'model.onnx'),
                                         threads),
            'OpenVINO': load_runtime('openvino', osp.join(tmp, 'model.xml'),
                                     threads)}
        results = {name: [] for name in runners}
        for size in batch_sizes:
            batch = np.ascontiguousarray(inputs[:size].numpy())
            expected = run_torch(batch)
            diffs = {}
            for name, run in runners.items():  # warm-up, OpenVINO's shapes
                diffs[name] = float(np.abs(run(batch) - expected).max())
            # About 32 crops per timing; the runtimes take turns in each
            # round, so that a shared machine's load falls on all alike.
            calls = max(1, 32 // size)
            times = {name: [] for name in runners}
            for _ in range(repeats):
                for name, run in runners.items():
                    start = time.perf_counter()
                    for _ in range(calls):
                        run(batch)
                    times[name].append(time.perf_counter() - start)
            for name in runners:
                results[name].append(
                    (size * calls / statistics.median(times[name]),
                     diffs[name]))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--skip', nargs='*', default=[],
                        choices=['inferencer', 'search', 'agreement', 'onnx',
                                 'runtimes'],
                        help='sections to leave out')
    parser.add_argument('--search-child', help=argparse.SUPPRESS)
    args = parser.parse_args()
    warnings.simplefilter('ignore')
    if args.search_child:
        return search_child(args.search_child)
    torch.manual_seed(0)
    num_images = 128 if args.quick else 512
    lines = []
    if 'inferencer' not in args.skip:
        lines += ['### Inferencer vs bare model forward (CPU, '
                  f'{torch.get_num_threads()} threads, batch 32, flip + L2)\n',
                  '| model | images | inferencer img/s | bare forward img/s '
                  '| ratio |', '| --- | --- | --- | --- | --- |']
        models = [('demo R18/2 128x64', DEMO_CONFIG, num_images)]
        if not args.quick:
            models.append(('paper R50 384x128', PAPER_CONFIG, 64))
        with tempfile.TemporaryDirectory() as tmp:
            paths = write_images(tmp, num_images)
            for name, config, num in models:
                api, bare = bench_inferencer(config, paths[:num], 32,
                                             args.repeats)
                lines.append(f'| {name} | {num} | {api:.1f} | {bare:.1f} | '
                             f'{api / bare:.2f} |')

    num, dim = (50_000, 3072) if args.quick else (1_000_000, 3072)
    num_queries = 64
    if 'search' not in args.skip:
        lines += ['', f'### Gallery search, {num:,} x {dim} (exact, '
                  f'blocked, top-10; batch of {num_queries} queries and 1 '
                  'query)\n',
                  '| storage | gallery GiB | batch queries/s | bare products '
                  'queries/s | 1-query queries/s | peak RSS GiB | peak '
                  'beyond gallery MiB |',
                  '| --- | --- | --- | --- | --- | --- | --- |']
        for dtype in ('float32', 'float16'):
            r = run_child(dict(num=num, dim=dim, dtype=dtype,
                               num_queries=num_queries))
            lines.append(f'| {dtype} | {r["gallery_gib"]:.2f} | '
                         f'{r["batch_qps"]:.1f} | {r["bare_qps"]:.1f} | '
                         f'{r["single_qps"]:.2f} | '
                         f'{r["peak_gib"]:.2f} | {r["extra_mib"]:.0f} |')

    if 'agreement' not in args.skip:
        small = 20_000 if args.quick else 200_000
        lines += ['', f'### Ranking effect, {small:,} x {dim} gallery, 256 '
                  'queries (against float32 exact)\n',
                  '| search | top-1 agreement | top-10 overlap | seconds |',
                  '| --- | --- | --- | --- |']
        for name, (top1, overlap, seconds) in ranking_agreement(
                small, dim, 256).items():
            lines.append(f'| {name} | {top1:.4f} | {overlap:.4f} | '
                         f'{seconds:.2f} |')

    if 'onnx' not in args.skip:
        ort, pt, diff = bench_onnx(num_images, 32, args.repeats)
        lines += ['', '### onnxruntime vs PyTorch (CPU, demo model, batch '
                  '32, flip + L2 in the graph)\n',
                  '| onnxruntime img/s | PyTorch img/s | ratio | max abs '
                  'diff |', '| --- | --- | --- | --- |',
                  f'| {ort:.1f} | {pt:.1f} | {ort / pt:.2f} | {diff:.2g} |']

    if 'runtimes' not in args.skip:
        sizes = (1, 8, 32)
        config, label = ((DEMO_CONFIG, 'demo R18/2 128x64') if args.quick
                         else (TRACKING_CONFIG, 'DRANet R50 256x128'))
        lines += ['', f'### CPU runtimes, {label} (random weights, '
                  f'{torch.get_num_threads()} threads, no flip, L2): crops/s '
                  '(max abs diff from PyTorch)\n',
                  '| runtime | ' + ' | '.join(f'batch {n}' for n in sizes)
                  + ' |', '| --- |' + ' --- |' * len(sizes)]
        for name, rows in bench_runtimes(config, sizes,
                                         args.repeats).items():
            lines.append(f'| {name} | ' + ' | '.join(
                f'{rate:.1f} ({diff:.1g})' for rate, diff in rows) + ' |')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
