"""The search service's speed: ingest and search at 10k, 100k and 1M.

Usage: ``python benchmarks/bench_service.py [--quick] [--sizes 10000 ...]
[--store-max 100000]``.

Synthetic 384-d L2-normalised embeddings with 6 cameras and a day of times
stand for a store's vectors (the model's speed is measured apart, over HTTP
with real JPEG files). Per gallery size it prints:

- the store's ingest rate (image files, Milvus Lite insert, flush) and
  the start-up load (reconcile + read into memory) of a store of that size
  (only up to ``--store-max`` rows: Milvus Lite inserts about 2,500 rows/s
  here, so 1M rows would take ~7 min);
- one-query top-10 latency, p50/p99: ``ReIDGallery.search`` (in process,
  the reference), the service's exact in-memory search unfiltered and with
  a camera filter (in process), an HTTP round trip alone, the same
  filtered search over HTTP (``GET /api/search?id=...&cameras=...``
  against uvicorn on 127.0.0.1, client and server in this process), and
  the database's own filtered search (the cluster path's adapter on Milvus
  Lite).

Then the ingest of real images through the model: ``POST /api/images`` of
16-image batches over HTTP, and ``SearchService.add_images`` in process.
"""
import argparse
import os
import os.path as osp
import shutil
import socket
import sys
import tempfile
import threading
import time

import numpy as np

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

DIM = 384
CAMERAS = 6
DAY = 86400.0
CONFIG = osp.join(REPO, 'configs', 'dranet', 'dranet_demo_synthetic.py')


def synthetic_entries(num, seed=0):
    from mmreid_dranet.service import Entry
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((num, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    cameras = rng.integers(0, CAMERAS, num)
    times = 1.7e9 + rng.random(num) * DAY
    entries = [
        Entry(f'{i:064x}', int(c), float(t), f'frame {i}', 'jpg')
        for i, (c, t) in enumerate(zip(cameras, times))
    ]
    return entries, vectors


def latency(function, repeats):
    """p50 and p99 in milliseconds of ``repeats`` calls (after one warm-up
    call)."""
    return interleaved([function], repeats)[0]


def interleaved(functions, repeats):
    """(p50, p99) in milliseconds of each function, called in turn
    ``repeats`` times (after one warm-up call each), so that a load
    change of the machine falls on all of them alike."""
    for function in functions:
        function(0)
    seconds = [[] for _ in functions]
    for i in range(repeats):
        for function, times in zip(functions, seconds):
            start = time.perf_counter()
            function(i)
            times.append(time.perf_counter() - start)
    return [(1000 * float(np.percentile(t, 50)),
             1000 * float(np.percentile(t, 99))) for t in seconds]


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class Served:
    """uvicorn serving an app on 127.0.0.1 in a thread of this process."""

    def __init__(self, app):
        import uvicorn
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(
            app, host='127.0.0.1', port=self.port, log_level='warning'))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        self.url = f'http://127.0.0.1:{self.port}'

    def stop(self):
        self.server.should_exit = True
        self.thread.join(30)


def fake_image(entry):
    return b'\xff\xd8\xff' + entry.id.encode()


def bench_size(num, inferencer, work, repeats, store_max):
    """The rows of one gallery size."""
    import httpx

    from mmreid_dranet.apis import ReIDGallery
    from mmreid_dranet.service import (GalleryStore, MemoryIndex, SearchFilter,
                                       SearchService)
    from mmreid_dranet.service.app import create_app
    from mmreid_dranet.service.milvus_search import MilvusSearch
    entries, vectors = synthetic_entries(num)
    queries = np.random.default_rng(1).standard_normal(
        (max(repeats, 1) + 1, DIM)).astype(np.float32)
    only = SearchFilter((2, ))
    rows = []

    gallery = ReIDGallery(vectors)
    index = MemoryIndex('euclidean')
    index.add(entries, vectors)
    (g50, g99), (p50, p99), (f50, f99) = interleaved([
        lambda i: gallery.search(queries[i], 10),
        lambda i: index.search(queries[i], 10),
        lambda i: index.search(queries[i], 10, only)
    ], repeats)
    rows.append((num, 'ReIDGallery.search (in process)', g50, g99, ''))
    rows.append((num, 'service exact search (in process)', p50, p99,
                 f'{p50 / g50:.2f}x ReIDGallery'))
    rows.append((num, 'service exact search, camera filter (in process)',
                 f50, f99, f'{f50 / g50:.2f}x ReIDGallery'))
    gallery = None  # free its memory before the store part

    if num > store_max:
        rows.append((num, 'Milvus Lite store (insert, load, search)', None,
                     None, f'skipped (over --store-max {store_max})'))
        return rows
    folder = osp.join(work, f'store{num}')
    store = GalleryStore(folder, inferencer.provenance)
    start = time.perf_counter()
    for entry in entries:
        store.write_image(entry.id, entry.suffix, fake_image(entry))
    files = time.perf_counter() - start
    start = time.perf_counter()
    store.insert(entries, vectors, inferencer.provenance)
    insert = time.perf_counter() - start
    start = time.perf_counter()
    store.client.flush(store.collection)
    flush = time.perf_counter() - start
    rows.append((num, 'store ingest: image files, Milvus Lite insert, flush',
                 None, None, f'{num / (files + insert):.0f} entries/s '
                 f'(files {files:.1f} s, insert {insert:.1f} s, flush '
                 f'{flush:.1f} s)'))
    search = MilvusSearch(store)
    p50, p99 = latency(lambda i: search.search(queries[i], 10, only),
                       min(repeats, 20))
    rows.append((num, 'Milvus Lite search, camera filter (cluster path)',
                 p50, p99, ''))
    store.close()

    start = time.perf_counter()
    store = GalleryStore(folder, inferencer.provenance)
    service = SearchService(inferencer, store)
    rows.append((num, 'service start (reconcile + load into memory)', None,
                 None, f'{time.perf_counter() - start:.1f} s'))
    served = Served(create_app(service))
    ids = [e.id for e in entries[:repeats + 1]]
    with httpx.Client(base_url=served.url, timeout=60) as client:

        def http_search(i):
            response = client.get('/api/search', params=dict(
                id=ids[i], topk=10, cameras='2'))
            assert response.status_code == 200, response.text

        (trip50, trip99), (p50, p99), (f50, f99) = interleaved([
            lambda i: client.get('/api/health'), http_search,
            lambda i: service.index.search(queries[i], 10, only)
        ], repeats)
    rows.append((num, 'HTTP round trip alone (GET /api/health)', trip50,
                 trip99, ''))
    rows.append((num, 'service search by id, camera filter (HTTP)', p50, p99,
                 f'in-process filtered search alongside: {f50:.2f} ms'))
    served.stop()
    store.close()
    shutil.rmtree(folder)
    return rows


def bench_ingest(inferencer, work, num_images):
    """Images/s of adding real JPEG files through the model."""
    import httpx

    from mmreid_dranet.datasets import make_synthetic_market
    from mmreid_dranet.service import GalleryStore, SearchService
    from mmreid_dranet.service.app import create_app
    data = osp.join(work, 'images')
    make_synthetic_market(data, num_train_ids=max(8, num_images // 8),
                          num_test_ids=2, seed=0)
    folder = osp.join(data, 'bounding_box_train')
    paths = sorted(osp.join(folder, n) for n in os.listdir(folder))
    paths = paths[:num_images]
    files = [(osp.basename(p), open(p, 'rb').read()) for p in paths]
    rows = []
    warm = GalleryStore(osp.join(work, 'warm-up'), inferencer.provenance)
    SearchService(inferencer, warm).add_images(files[:16])
    warm.close()
    for how in ('in process', 'HTTP'):
        store = GalleryStore(osp.join(work, f'ingest {how}'),
                             inferencer.provenance)
        service = SearchService(inferencer, store)
        start = time.perf_counter()
        if how == 'HTTP':
            served = Served(create_app(service))
            with httpx.Client(base_url=served.url, timeout=300) as client:
                for i in range(0, len(files), 16):
                    response = client.post('/api/images', files=[
                        ('files', (n, d, 'image/jpeg'))
                        for n, d in files[i:i + 16]])
                    assert response.status_code == 200, response.text
            served.stop()
        else:
            for i in range(0, len(files), 16):
                service.add_images(files[i:i + 16])
        seconds = time.perf_counter() - start
        assert len(service) == len(files)
        rows.append((len(files), f'add images, batches of 16 ({how})', None,
                     None, f'{len(files) / seconds:.1f} images/s'))
        store.close()
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='sizes 2,000 and 10,000; 32 images')
    parser.add_argument('--sizes', type=int, nargs='+',
                        default=[10000, 100000, 1000000])
    parser.add_argument('--store-max', type=int, default=100000,
                        help='largest gallery put into Milvus Lite')
    parser.add_argument('--repeats', type=int, default=100,
                        help='searches per latency')
    parser.add_argument('--images', type=int, default=128,
                        help='real images of the ingest through the model')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads (1: steady on a shared machine)')
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.repeats, args.images = [2000, 10000], 20, 32
    import torch

    from mmreid_dranet.apis import ReIDInferencer
    torch.set_num_threads(args.threads)
    inferencer = ReIDInferencer(CONFIG, device='cpu', num_classes=16)
    work = tempfile.mkdtemp(prefix='bench_service_')
    rows = []
    try:
        for num in args.sizes:
            rows += bench_size(num, inferencer, work, args.repeats,
                               args.store_max)
            print(f'[{num} done]', file=sys.stderr, flush=True)
        rows += bench_ingest(inferencer, work, args.images)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f'{DIM}-d embeddings, top 10, one query per call, '
          f'{torch.get_num_threads()} torch threads, {args.repeats} '
          'searches per latency; load average at the end '
          f'{os.getloadavg()[0]:.1f}\n')
    print('| gallery | what | p50 (ms) | p99 (ms) | notes |')
    print('| ---: | --- | ---: | ---: | --- |')
    for num, what, p50, p99, notes in rows:
        cells = ['' if v is None else f'{v:.2f}' for v in (p50, p99)]
        print(f'| {num:,} | {what} | {cells[0]} | {cells[1]} | {notes} |')


if __name__ == '__main__':
    main()
