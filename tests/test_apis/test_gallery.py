"""ReIDGallery: the evaluation's ranking, save/load, float16, faiss, draw."""
import importlib.util
import os
import os.path as osp

import numpy as np
import pytest
import torch

from mmreid_dranet.apis import ReIDGallery
from mmreid_dranet.apis.inputs import identity_pids
from mmreid_dranet.evaluation import (DEFAULT_BLOCK_ELEMENTS, compute_distance,
                                      evaluate_reid, load_features)
from mmreid_dranet.visualization.ranked_list import (MATCH_COLOR,
                                                     MISMATCH_COLOR,
                                                     QUERY_COLOR,
                                                     UNKNOWN_COLOR,
                                                     RankListLayout,
                                                     ranked_gallery)
from tests.helpers.pixels import frame_colors

HAS_FAISS = importlib.util.find_spec('faiss') is not None


def stable_reference(query, gallery, metric, topk):
    """Plain reference: a stable argsort of the evaluation's distances."""
    dist = compute_distance(torch.as_tensor(query), torch.as_tensor(gallery),
                            metric).numpy()
    order = np.argsort(dist, axis=1, kind='stable')[:, :topk]
    return order, np.take_along_axis(dist, order, 1)


@pytest.mark.parametrize('metric', ['euclidean', 'cosine'])
def test_ranking_equals_evaluate_reid(test_out_npz, metric):
    data = load_features(test_out_npz)
    gallery = ReIDGallery.load(test_out_npz, metric=metric)
    assert gallery.is_labelled and len(gallery) == len(data['gallery_feats'])
    result = gallery.search(data['query_feats'], topk=5,
                            query_pids=data['query_pids'],
                            query_camids=data['query_camids'])
    evaluation = evaluate_reid(
        data['query_feats'], data['gallery_feats'], data['query_pids'],
        data['gallery_pids'], data['query_camids'], data['gallery_camids'],
        metric=metric, return_distances=True)
    q_pids = torch.as_tensor(data['query_pids'])
    q_cams = torch.as_tensor(data['query_camids'])
    # The distances evaluate_reid scored (one block of all queries here).
    ranked = evaluation.distance_block(0, len(q_pids))
    for q in range(len(q_pids)):
        order, _, dists = ranked_gallery(
            ranked[q], int(q_pids[q]),
            int(q_cams[q]), torch.as_tensor(data['gallery_pids']),
            torch.as_tensor(data['gallery_camids']), 5)
        # top-1 = the first gallery item of evaluate_reid's ranking; the
        # whole top-5 and its distances too.
        assert result.indices[q, 0] == order[0]
        np.testing.assert_array_equal(result.indices[q], order)
        np.testing.assert_array_equal(result.distances[q], dists)
        assert result.paths[q] == list(data['gallery_paths'][order])
    # first_match_rank 1 <=> our top-1 has the query's identity.
    top1_hits = data['gallery_pids'][result.indices[:, 0]] == \
        data['query_pids']
    np.testing.assert_array_equal(
        top1_hits, evaluation.first_match_rank == 1)


def test_ties_keep_gallery_order_and_blocks_change_nothing():
    rng = np.random.default_rng(0)
    gallery = rng.normal(size=(300, 16)).astype(np.float32)
    gallery[[40, 7, 250]] = gallery[120]  # four identical entries
    query = rng.normal(size=(9, 16)).astype(np.float32)
    query[0] = gallery[120]
    for metric in ('euclidean', 'cosine'):
        expected, dists = stable_reference(query, gallery, metric, 12)
        assert list(expected[0, :4]) == [7, 40, 120, 250]
        for block_elements in (DEFAULT_BLOCK_ELEMENTS, 16 * 50, 16):
            found = ReIDGallery(gallery, metric=metric,
                                block_elements=block_elements).search(
                                    query, topk=12)
            np.testing.assert_array_equal(found.indices, expected)
            np.testing.assert_allclose(found.distances, dists, atol=1e-5)


def test_topk_larger_than_gallery_and_excluded_entries_pad():
    feats = np.eye(3, dtype=np.float32)
    gallery = ReIDGallery(feats, ['a', 'b', 'c'], pids=[1, 1, 2],
                          camids=[0, 1, 0])
    result = gallery.search(feats[0], topk=10, query_pids=[1],
                            query_camids=[0])
    # 'a' (same pid, same camera) is left out; 3 entries at most.
    assert result.indices.tolist() == [[1, 2, -1]]
    assert np.isinf(result.distances[0, 2])
    assert result.paths == [['b', 'c']]


def test_save_load_round_trip_without_pickle(tmp_path, test_out_npz):
    data = load_features(test_out_npz)
    labelled = ReIDGallery.load(test_out_npz, metric='cosine')
    plain = ReIDGallery(data['gallery_feats'], data['gallery_paths'],
                        dtype='float16')
    for gallery in (labelled, plain):
        path = gallery.save(str(tmp_path / 'gallery'))
        assert path.endswith('.npz')
        with np.load(path, allow_pickle=False) as saved:
            keys = set(saved.files)
        assert {'gallery_feats', 'gallery_paths', 'metric'} <= keys
        assert ('gallery_pids' in keys) == gallery.is_labelled
        loaded = ReIDGallery.load(path)
        assert loaded.metric == gallery.metric
        assert loaded.dtype == gallery.dtype
        assert torch.equal(loaded.embeddings, gallery.embeddings)
        np.testing.assert_array_equal(loaded.paths, gallery.paths)
        before = gallery.search(data['query_feats'], 4)
        after = loaded.search(data['query_feats'], 4)
        np.testing.assert_array_equal(before.indices, after.indices)
        np.testing.assert_array_equal(before.distances, after.distances)


def test_test_out_npz_sides_and_optional_names(tmp_path, test_out_npz):
    data = load_features(test_out_npz)
    queries = ReIDGallery.load(test_out_npz, side='query')
    np.testing.assert_array_equal(queries.embeddings.numpy(),
                                  data['query_feats'])
    assert queries.names is None
    named = str(tmp_path / 'named.npz')
    np.savez(named, **dict(data, gallery_names=np.asarray(
        [f'person_{p}' for p in data['gallery_pids']])))
    gallery = ReIDGallery.load(named)
    assert gallery.names[0] == f'person_{data["gallery_pids"][0]}'
    with pytest.raises(ValueError, match='neither a saved gallery'):
        np.savez(str(tmp_path / 'other.npz'), x=np.zeros(2))
        ReIDGallery.load(str(tmp_path / 'other.npz'))


def test_float16_storage_searches_the_rounded_embeddings():
    rng = np.random.default_rng(1)
    gallery = rng.normal(size=(500, 32)).astype(np.float32)
    query = rng.normal(size=(6, 32)).astype(np.float32)
    half = ReIDGallery(gallery, dtype='float16')
    assert half.embeddings.dtype == torch.float16
    rounded = gallery.astype(np.float16).astype(np.float32)
    expected, _ = stable_reference(query, rounded, 'euclidean', 10)
    np.testing.assert_array_equal(half.search(query, 10).indices, expected)
    with pytest.raises(ValueError, match='beyond float16'):
        ReIDGallery(gallery * 1e5, dtype='float16')


def test_query_dimension_mismatch_names_both():
    gallery = ReIDGallery(np.ones((4, 8), np.float32))
    with pytest.raises(ValueError, match='queries have 6 dimensions but the '
                       'gallery embeddings have 8'):
        gallery.search(np.ones((2, 6), np.float32))


@pytest.mark.skipif(not HAS_FAISS, reason='faiss is not installed '
                    '(pip install faiss-cpu); the exact backend is tested')
@pytest.mark.parametrize('metric', ['euclidean', 'cosine'])
def test_faiss_flat_agrees_with_exact_search(metric):
    rng = np.random.default_rng(2)
    gallery = rng.normal(size=(2000, 48)).astype(np.float32)
    query = rng.normal(size=(20, 48)).astype(np.float32)
    pids, cams = rng.integers(0, 50, 2000), rng.integers(0, 3, 2000)
    kwargs = dict(pids=pids, camids=cams, metric=metric)
    exact = ReIDGallery(gallery, **kwargs)
    flat = ReIDGallery(gallery, backend='faiss', **kwargs)
    for ids in ({}, dict(query_pids=pids[:20], query_camids=cams[:20])):
        want = exact.search(query, 10, **ids)
        got = flat.search(query, 10, **ids)
        np.testing.assert_array_equal(got.indices, want.indices)
        np.testing.assert_allclose(got.distances, want.distances, rtol=1e-4,
                                   atol=1e-4)


def frame_color(picture, position, layout):
    y, x = layout.tile_origin(position)
    return tuple(int(c) for c in picture[y, x])


def test_draw_frames_neutral_unless_identities_known(inferencer,
                                                     synthetic_market_root):
    folder = osp.join(synthetic_market_root, 'bounding_box_test')
    gallery = ReIDGallery.from_folder(inferencer, folder)
    direct = inferencer(folder)['embeddings']
    np.testing.assert_array_equal(gallery.embeddings.numpy(), direct)
    query_file = sorted(gallery.paths)[0]
    result = gallery.search(inferencer(query_file)['embeddings'], topk=4)
    assert result.indices[0, 0] == list(gallery.paths).index(query_file)
    layout = RankListLayout()
    picture = gallery.draw(query_file, result)
    assert frame_color(picture, 0, layout) == QUERY_COLOR
    assert [frame_color(picture, p, layout) for p in range(1, 5)] == \
        [UNKNOWN_COLOR] * 4
    # With identities (from the Market names) and the query's pid.
    pids = [int(osp.basename(p).split('_')[0]) for p in gallery.paths]
    labelled = ReIDGallery(gallery.embeddings, gallery.paths, pids,
                           [0] * len(pids))
    query_pid = pids[result.indices[0, 0]]
    picture = labelled.draw(query_file, result, query_identity=query_pid)
    expected = [MATCH_COLOR if pids[i] == query_pid else MISMATCH_COLOR
                for i in result.indices[0]]
    assert [frame_color(picture, p, layout) for p in range(1, 5)] == expected


def test_identity_folder_gallery_knows_names(inferencer, identity_root,
                                             tmp_path):
    gallery = ReIDGallery.from_folder(inferencer,
                                      osp.join(identity_root, 'gallery'))
    names = [osp.basename(osp.dirname(p)) for p in gallery.paths]
    assert {'alice', 'ben_0043'} <= set(names)
    assert list(gallery.names) == names
    np.testing.assert_array_equal(gallery.pids.numpy(), identity_pids(names))
    assert gallery.is_labelled and gallery.camids is None
    # The same embeddings as the files given one by one.
    np.testing.assert_array_equal(
        gallery.embeddings.numpy(),
        inferencer(list(gallery.paths))['embeddings'])
    ben = int(gallery.pids[names.index('ben_0043')])
    assert gallery.pid_of('ben_0043') == ben
    # Word names' pids are positions, not ids a user knows: names only.
    assert gallery.pid_of(str(ben)) is None and gallery.pid_of(ben) is None
    assert gallery.pid_of('zed') is None and gallery.pid_of('query') is None
    # Integer identity folders ('0007') match their number too.
    numbered = ReIDGallery(gallery.embeddings[:3], names=['0007', '12', '7'],
                           pids=identity_pids(['0007', '12', '7']))
    assert numbered.pid_of('0007') == numbered.pid_of(7) == 7
    assert numbered.is_match([0, 1, 2], '7') == [True, False, True]
    # Frames: green for ben_0043's entries, red for the others; the
    # labels are the names.
    query_folder = osp.join(identity_root, 'query', 'ben_0043')
    query_file = osp.join(query_folder, sorted(os.listdir(query_folder))[0])
    result = gallery.search(inferencer(query_file)['embeddings'],
                            topk=len(gallery))
    layout = RankListLayout()
    picture = gallery.draw(query_file, result, query_identity='ben_0043')
    assert picture.shape == layout.canvas_size(len(gallery), True) + (3, )
    ranked = result.indices[0]
    assert gallery.labels(ranked) == [names[i] for i in ranked]
    expected = [QUERY_COLOR] + [
        MATCH_COLOR if names[i] == 'ben_0043' else MISMATCH_COLOR
        for i in ranked]
    assert frame_colors(picture, len(ranked) + 1, layout) == expected
    assert MATCH_COLOR in expected and MISMATCH_COLOR in expected
    # A person the gallery does not hold: the truth is known, all red.
    assert gallery.is_match(ranked[:3], 'zed') == [False] * 3
    assert gallery.is_match(ranked[:3], None) is None
    # Saved with names and pids, no camera ids; loads back the same.
    path = gallery.save(str(tmp_path / 'named_gallery.npz'))
    with np.load(path, allow_pickle=False) as saved:
        assert {'gallery_names', 'gallery_pids'} <= set(saved.files)
        assert 'gallery_camids' not in saved.files
    loaded = ReIDGallery.load(path)
    np.testing.assert_array_equal(loaded.names, gallery.names)
    assert loaded.pid_of('ben_0043') == ben
    # Without camera ids the protocol's same-camera rule cannot apply.
    with pytest.raises(ValueError, match='no pids/camids'):
        gallery.search(inferencer(query_file)['embeddings'], 3,
                       query_pids=[ben], query_camids=[0])
