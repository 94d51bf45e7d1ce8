"""The store and both searches, without HTTP: exact top-k equal to
ReIDGallery's, filters inside the search, durability, reconciliation and
the model check."""
import math
import os
import os.path as osp

import numpy as np
import pytest
import torch

from mmreid_dranet.apis import ReIDGallery
from mmreid_dranet.service import (Entry, GalleryStore, MemoryIndex,
                                   SearchFilter, StoreError)
from mmreid_dranet.service.milvus_search import MilvusSearch
from mmreid_dranet.utils.provenance import (EmbeddingProvenance,
                                            ProvenanceMismatchError)

MODEL = EmbeddingProvenance('dranet_demo', 'ab' * 32, True, True)
OTHER = EmbeddingProvenance('dranet_demo', 'cd' * 32, True, True)


def random_entries(num, dim=16, seed=0):
    """Entries with ids, 3 cameras, times 0..num-1 (every 7th unknown),
    and embeddings with some exact duplicates (ties)."""
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((num, dim)).astype(np.float32)
    vectors[5::50] = vectors[4::50][:len(vectors[5::50])]
    entries = [
        Entry(f'{i:064x}', i % 3, math.nan if i % 7 == 0 else float(i),
              f'file {i}', 'jpg') for i in range(num)
    ]
    return entries, vectors


def reference(index_vectors, metric, queries, topk, keep=None):
    """ReIDGallery's ranking over the rows that ``keep`` lets through,
    as row numbers of the index."""
    rows = np.arange(len(index_vectors)) if keep is None else np.flatnonzero(
        keep)
    found = ReIDGallery(index_vectors[rows], metric=metric).search(
        queries, topk)
    return [[int(rows[i]) for i in row if i >= 0]
            for row in found.indices], found.distances


@pytest.mark.parametrize('metric', ['euclidean', 'cosine'])
def test_memory_index_equals_reid_gallery(metric):
    entries, vectors = random_entries(300)
    # Small blocks: the filter mask is applied across several blocks.
    index = MemoryIndex(metric, block_elements=16 * 64)
    index.add(entries, vectors)
    index.add(entries[:3], vectors[:3])  # already there: ignored
    removed = index.remove([entries[10].id, entries[299].id, 'absent'])
    assert [e.id for e in removed] == [entries[10].id, entries[299].id]
    assert len(index) == 298 and entries[10].id not in index
    queries = np.random.default_rng(1).standard_normal(
        (4, 16)).astype(np.float32)
    queries[0] = vectors[4]  # ties with row 5: index order decides
    rows = index.embeddings.numpy()
    position = {e.id: i for i, e in enumerate(index.entries)}
    hits = index.search(queries, 12)
    expected, distances = reference(rows, metric, queries, 12)
    for row_hits, want, want_d in zip(hits, expected, distances):
        assert [position[h.entry.id] for h in row_hits] == want
        np.testing.assert_allclose([h.distance for h in row_hits], want_d,
                                   rtol=1e-6, atol=1e-6)
    # A filter: cameras 0 and 2, times 50..250; unknown times fail it.
    search_filter = SearchFilter((2, 0), 50.0, 250.0)
    cameras = np.array([e.camera for e in index.entries])
    times = np.array([e.time for e in index.entries])
    keep = np.isin(cameras, [0, 2]) & (times >= 50) & (times <= 250)
    hits = index.search(queries, 12, search_filter)
    expected, _ = reference(rows, metric, queries, 12, keep)
    for row_hits, want in zip(hits, expected):
        assert len(row_hits) == 12
        assert [position[h.entry.id] for h in row_hits] == want
    # Fewer entries pass than asked for: all of them, no padding.
    few = index.search(queries[:1], 12, SearchFilter((1, ), 0.0, 20.0))[0]
    assert sorted(int(h.entry.source.split()[1]) for h in few) == [
        1, 4, 13, 16, 19]


def make_store(folder, provenance=MODEL, metric='euclidean'):
    return GalleryStore(str(folder), provenance, metric)


def add_with_images(store, entries, vectors):
    for entry in entries:
        store.write_image(entry.id, entry.suffix, b'\xff\xd8\xff' + bytes(
            entry.id, 'ascii'))
    store.insert(entries, vectors, MODEL)


@pytest.mark.parametrize('metric', ['euclidean', 'cosine'])
def test_database_search_equals_reid_gallery(tmp_path, metric):
    """The cluster path's adapter, through the real pymilvus client."""
    entries, vectors = random_entries(120, seed=2)
    store = make_store(tmp_path / 'store', metric=metric)
    try:
        store.insert(entries, vectors, MODEL)
        search = MilvusSearch(store)
        queries = np.random.default_rng(3).standard_normal(
            (3, 16)).astype(np.float32)
        search_filter = SearchFilter((1, 2), 10.0, 100.0)
        cameras = np.array([e.camera for e in entries])
        times = np.array([e.time for e in entries])
        keep = np.isin(cameras, [1, 2]) & (times >= 10) & (times <= 100)
        for flt, mask in ((None, None), (search_filter, keep)):
            hits = search.search(queries, 8, flt)
            expected, distances = reference(vectors, metric, queries, 8,
                                            mask)
            for row_hits, want, want_d in zip(hits, expected, distances):
                assert [int(h.entry.id, 16) for h in row_hits] == want
                np.testing.assert_allclose([h.distance for h in row_hits],
                                           want_d[:len(want)], rtol=1e-4,
                                           atol=1e-5)
        assert hits[0][0].entry == entries[expected[0][0]]
    finally:
        store.close()


def test_store_survives_reopen_and_reconciles(tmp_path):
    folder = tmp_path / 'store'
    entries, vectors = random_entries(6)
    store = make_store(folder)
    add_with_images(store, entries[:4], vectors[:4])
    # A crash between the two steps of an upload: an image without row.
    store.write_image(entries[4].id, 'jpg', b'\xff\xd8\xff unacknowledged')
    # A row whose image went missing, and a half-written file.
    store.insert(entries[5:], vectors[5:], MODEL)
    with open(osp.join(store.incoming, 'half.123'), 'wb') as f:
        f.write(b'\xff\xd8')
    store.delete([entries[0]])
    store.close()

    store = make_store(folder)
    try:
        stored, removed = store.load()
        assert removed == dict(rows_without_image=1, images_without_row=1,
                               partial_files=1)
        assert sorted(e.id for e in stored.entries) == sorted(
            e.id for e in entries[1:4])
        order = [int(e.id, 16) for e in stored.entries]
        np.testing.assert_array_equal(stored.embeddings, vectors[order])
        assert stored.entries[0] == entries[order[0]]  # NaN times too
        assert store.count() == 3
        files = sorted(f for d in os.listdir(store.images)
                       if d != '.incoming'
                       for f in os.listdir(osp.join(store.images, d)))
        assert files == sorted(f'{e.id}.jpg' for e in entries[1:4])
        assert os.listdir(store.incoming) == []
        assert store.load()[1] == dict(rows_without_image=0,
                                       images_without_row=0, partial_files=0)
    finally:
        store.close()


def test_store_refuses_another_model(tmp_path):
    folder = tmp_path / 'store'
    entries, vectors = random_entries(2)
    store = make_store(folder)
    try:
        with pytest.raises(ProvenanceMismatchError,
                           match='checkpoint cdcdcdcdcdcd'):
            store.insert(entries, vectors, OTHER)
        assert store.count() == 0
        store.insert(entries, vectors, MODEL)
        with pytest.raises(ValueError, match='holds 16-d embeddings, got '
                           '8-d'):
            store.insert(entries, vectors[:, :8], MODEL)
    finally:
        store.close()
    with pytest.raises(ProvenanceMismatchError) as error:
        make_store(folder, OTHER)
    assert 'abababababab' in str(error.value)
    assert 'cdcdcdcdcdcd' in str(error.value)
    with pytest.raises(StoreError, match="ranks by 'euclidean'"):
        make_store(folder, metric='cosine')
    with open(osp.join(folder, 'store.json'), 'w') as f:
        f.write('{"format": "something else"}')
    with pytest.raises(StoreError, match='is not a store record'):
        make_store(folder)


def test_filter_parsing_and_expression():
    flt = SearchFilter.parse('3, 1', '1970-01-01T00:01:40', '200')
    assert flt == SearchFilter((1, 3), 100.0, 200.0)
    assert flt.milvus_expr() == ('camera in [1, 3] and time >= 100.0 and '
                                 'time <= 200.0')
    assert SearchFilter.parse('', '', '').is_empty
    excluded = flt.excluded(torch.tensor([1, 2, 3, 3]),
                            torch.tensor([150.0, 150.0, math.nan, 250.0],
                                         dtype=torch.float64))
    assert excluded.tolist() == [False, True, True, True]
    with pytest.raises(ValueError, match="cameras must be integers.*'a,1'"):
        SearchFilter.parse('a,1')
    with pytest.raises(ValueError, match="time_to 'yesterday'"):
        SearchFilter.parse(None, None, 'yesterday')
    with pytest.raises(ValueError, match='is after time_to'):
        SearchFilter.parse(None, '300', '200')
