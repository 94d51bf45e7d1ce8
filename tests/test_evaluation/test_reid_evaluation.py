import warnings

import numpy as np
import pytest
import torch

from mmreid_dranet.evaluation import (compute_distance,
                                      evaluate_distance_matrix,
                                      evaluate_reid)
from mmreid_dranet.evaluation.functional import ranking

COUNTING_PATHS = {
    # DENSE_FRACTION, _NUM_BUCKETS, _BUCKET_PART_ELEMENTS: the key path
    # only; the bucket path only with coarse buckets (many entries compared
    # exactly), with fine ones, and by parts of a few rows.
    'keys': (2.0, 4096, 1 << 21),
    'buckets-coarse': (-1.0, 3, 1 << 21),
    'buckets-fine': (-1.0, 4096, 1 << 21),
    'buckets-parts': (-1.0, 64, 200),
}


@pytest.fixture(params=sorted(COUNTING_PATHS))
def counting_path(request, monkeypatch):
    """Run a test through each way of counting the preceding entries."""
    fraction, buckets, part = COUNTING_PATHS[request.param]
    monkeypatch.setattr(ranking, 'DENSE_FRACTION', fraction)
    monkeypatch.setattr(ranking, '_NUM_BUCKETS', buckets)
    monkeypatch.setattr(ranking, '_BUCKET_PART_ELEMENTS', part)
    return request.param


def reference_evaluate(dist, q_pids, g_pids, q_cams, g_cams, topk=(1, 5, 10)):
    """The toolboxes' evaluator: argsort each row (stable), drop same pid
    and camera, then CMC / AP / INP per query in a plain loop."""
    cmc, aps, inps = [], [], []
    for i in range(len(q_pids)):
        order = np.argsort(dist[i], kind='stable')
        keep = ~((g_pids[order] == q_pids[i]) & (g_cams[order] == q_cams[i]))
        matches = (g_pids[order] == q_pids[i])[keep]
        if not matches.any():
            continue
        hits = np.cumsum(matches)
        positions = np.nonzero(matches)[0]
        cmc.append([float(positions[0] < k) for k in topk])
        aps.append(np.mean(hits[positions] / (positions + 1)))
        inps.append(hits[-1] / (positions[-1] + 1))
    result = {f'R{k}': v * 100 for k, v in zip(topk, np.mean(cmc, axis=0))}
    result.update(mAP=np.mean(aps) * 100, mINP=np.mean(inps) * 100,
                  num_valid_queries=len(aps),
                  num_skipped_queries=len(q_pids) - len(aps))
    return result


def make_split(rng, num_query, num_gallery, num_ids=12, num_cams=3, dim=6,
               integer=True):
    """Labels with distractor ids (only in the gallery), same-camera
    matches and ids absent from the gallery; integer features give exactly
    tied distances and exact float32 sums."""
    q_pids = rng.integers(0, num_ids, num_query)
    g_pids = rng.integers(0, num_ids + 4, num_gallery)
    q_cams = rng.integers(0, num_cams, num_query)
    g_cams = rng.integers(0, num_cams, num_gallery)
    if integer:
        q_feats = rng.integers(-2, 3, (num_query, dim))
        g_feats = rng.integers(-2, 3, (num_gallery, dim))
        g_feats[1::7] = g_feats[0]  # duplicates: tied distances
    else:
        q_feats = rng.normal(size=(num_query, dim))
        g_feats = rng.normal(size=(num_gallery, dim))
    return (q_feats.astype(np.float32), g_feats.astype(np.float32), q_pids,
            g_pids, q_cams, g_cams)


def assert_same(result, expected):
    for key, value in expected.items():
        assert result[key] == pytest.approx(value, abs=1e-9), key


@pytest.mark.parametrize('seed', range(6))
@pytest.mark.parametrize('metric', ['euclidean', 'cosine'])
def test_matches_reference_with_ties_and_unmatched_queries(seed, metric,
                                                           counting_path):
    rng = np.random.default_rng(seed)
    q_feats, g_feats, *labels = make_split(rng, 30, 120)
    if metric == 'cosine':
        # +-1 entries in 4-D: norm 2, so cosine distances are exact floats
        # (many ties) and do not depend on how the product is blocked.
        q_feats, g_feats = np.sign(q_feats[:, :4] + 0.5), np.sign(
            g_feats[:, :4] + 0.5)
    dist = compute_distance(torch.from_numpy(q_feats),
                            torch.from_numpy(g_feats), metric).numpy()
    expected = reference_evaluate(dist, *labels)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        for chunk_size in (1, 4, None):
            result = evaluate_reid(q_feats, g_feats, *labels,
                                   metric=metric, chunk_size=chunk_size)
            assert_same(result, expected)


def test_real_valued_features_numpy_and_torch_agree(counting_path):
    rng = np.random.default_rng(7)
    q_feats, g_feats, *labels = make_split(rng, 40, 300, num_ids=20,
                                           integer=False, dim=32)
    dist = compute_distance(torch.from_numpy(q_feats),
                            torch.from_numpy(g_feats)).numpy()
    expected = reference_evaluate(dist, *labels, topk=(1, 3, 20))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        from_numpy = evaluate_reid(q_feats, g_feats, *labels,
                                   topk=(1, 3, 20))
        from_torch = evaluate_reid(
            torch.from_numpy(q_feats).double(), torch.from_numpy(g_feats),
            *[torch.from_numpy(a) for a in labels], topk=(1, 3, 20))
    assert_same(from_numpy, expected)
    assert from_torch == from_numpy
    assert set(from_numpy) == {'R1', 'R3', 'R20', 'mAP', 'mINP',
                               'num_valid_queries', 'num_skipped_queries'}


def test_distance_matrix_with_many_ties(counting_path):
    rng = np.random.default_rng(11)
    dist = rng.integers(0, 4, (25, 90)).astype(np.float32)
    dist[:, ::3] = 0.0  # ties at zero, including -0.0
    dist[::2, ::5] = -0.0
    labels = (rng.integers(0, 6, 25), rng.integers(0, 8, 90),
              rng.integers(0, 2, 25), rng.integers(0, 2, 90))
    expected = reference_evaluate(dist, *labels)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        for chunk_size in (1, 6, 25):
            assert_same(
                evaluate_distance_matrix(dist, *labels,
                                         chunk_size=chunk_size), expected)


def test_hand_computed_example(counting_path):
    # Gallery sorted by distance: g0 (match), g1 (junk: same pid and
    # camera), g2 (other pid), g3 (match) -> ranks 1 and 3 after junk
    # removal: AP = (1/1 + 2/3) / 2, INP = 2/3, R1 = 1.
    dist = np.array([[0.1, 0.2, 0.3, 0.4]], dtype=np.float32)
    result = evaluate_distance_matrix(dist, [5], [5, 5, 7, 5], [0],
                                      [1, 0, 1, 2], topk=(1, 2))
    assert result['R1'] == 100.0 and result['R2'] == 100.0
    assert result['mAP'] == pytest.approx(100 * (1 + 2 / 3) / 2)
    assert result['mINP'] == pytest.approx(100 * 2 / 3)


def test_chunked_equals_one_chunk_on_exact_features():
    rng = np.random.default_rng(5)
    args = make_split(rng, 64, 400, num_ids=25, dim=16)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        whole = evaluate_reid(*args, chunk_size=64, return_scores=True)
        chunked = evaluate_reid(*args, chunk_size=5, return_scores=True)
    for field in ('ap', 'inp', 'first_match_rank', 'num_matches'):
        np.testing.assert_array_equal(
            getattr(whole['scores'], field), getattr(chunked['scores'], field))
    for key in ('scores', 'distance_block'):
        whole.pop(key), chunked.pop(key)
    assert whole == chunked


def test_unmatched_queries_warn_with_their_count():
    dist = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], dtype=np.float32)
    # query 1 has no gallery entry of its pid, query 2 only a same-camera one
    with pytest.warns(UserWarning, match='2 of 3 queries have no true match'):
        result = evaluate_distance_matrix(dist, [1, 2, 3], [1, 3], [0, 0, 1],
                                          [1, 1])
    assert result['num_valid_queries'] == 1
    assert result['num_skipped_queries'] == 2
    assert result['mAP'] == 100.0


@pytest.mark.parametrize('change,message', [
    (dict(query_pids=np.zeros(3, int)),
     'query_feats has 4, query_pids has 3'),
    (dict(gallery_camids=np.zeros(9, int)),
     'gallery_feats has 6, gallery_pids has 6, gallery_camids has 9'),
    (dict(query_feats=np.array([[np.nan, 1], [np.inf, 2], [np.nan, 0],
                                [1, 1]], np.float32)),
     'query_feats contains 2 NaN and 1 inf'),
    (dict(gallery_feats=np.ones((0, 2), np.float32),
          gallery_pids=np.zeros(0, int), gallery_camids=np.zeros(0, int)),
     'gallery is empty'),
    (dict(metric='manhattan'), "unknown distance metric 'manhattan'"),
    (dict(query_pids=np.array([9, 9, 9, 9])), 'none of the 4 queries'),
    (dict(gallery_feats=np.ones((6, 3), np.float32)), '2 dimensions'),
    (dict(topk=(0, 5)), 'topk'),
])
def test_bad_input_raises_clear_errors(change, message):
    args = dict(
        query_feats=np.ones((4, 2), np.float32),
        gallery_feats=np.arange(12, dtype=np.float32).reshape(6, 2),
        query_pids=np.array([0, 1, 0, 1]),
        gallery_pids=np.array([0, 1, 0, 1, 2, 2]),
        query_camids=np.zeros(4, int),
        gallery_camids=np.ones(6, int))
    args.update(change)
    with pytest.raises(ValueError, match=message):
        evaluate_reid(**args)


def test_cosine_rejects_zero_vectors():
    with pytest.raises(ValueError, match='1 gallery features are all zeros'):
        evaluate_reid(np.ones((2, 3)), np.array([[1, 0, 0], [0, 0, 0.]]),
                      [0, 1], [0, 1], [0, 0], [1, 1], metric='cosine')
