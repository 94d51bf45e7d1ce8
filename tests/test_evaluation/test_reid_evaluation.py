import warnings

import numpy as np
import pytest
import torch

from mmreid_dranet.evaluation import (AQEOptions, ReIDEvaluationResult,
                                      RerankOptions, compute_distance,
                                      evaluate_distance_matrix, evaluate_reid)
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
        assert result.metrics[key] == pytest.approx(value, abs=1e-9), key


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
    assert from_torch.metrics == from_numpy.metrics
    assert set(from_numpy.metrics) == {
        'R1', 'R3', 'R20', 'mAP', 'mINP', 'num_valid_queries',
        'num_skipped_queries'
    }


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
    assert result.metrics['R1'] == 100.0 and result.metrics['R2'] == 100.0
    assert result.metrics['mAP'] == pytest.approx(100 * (1 + 2 / 3) / 2)
    assert result.metrics['mINP'] == pytest.approx(100 * 2 / 3)
    # The per-query numbers behind them.
    assert result.first_match_rank.tolist() == [1]
    assert result.num_matches.tolist() == [2]
    assert result.ap[0] == pytest.approx((1 + 2 / 3) / 2)
    assert result.inp[0] == pytest.approx(2 / 3)
    np.testing.assert_allclose(result.cmc(3), [100.0, 100.0, 100.0])
    assert result.distance_block is None


def test_chunked_equals_one_chunk_on_exact_features():
    rng = np.random.default_rng(5)
    args = make_split(rng, 64, 400, num_ids=25, dim=16)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        whole = evaluate_reid(*args, chunk_size=64, return_distances=True)
        chunked = evaluate_reid(*args, chunk_size=5, return_distances=True)
    for field in ('ap', 'inp', 'first_match_rank', 'num_matches'):
        np.testing.assert_array_equal(
            getattr(whole, field), getattr(chunked, field))
    assert whole.metrics == chunked.metrics
    torch.testing.assert_close(whole.distance_block(3, 9),
                               chunked.distance_block(3, 9))


def test_unmatched_queries_warn_with_their_count():
    dist = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], dtype=np.float32)
    # query 1 has no gallery entry of its pid, query 2 only a same-camera one
    with pytest.warns(UserWarning, match='2 of 3 queries have no true match'):
        result = evaluate_distance_matrix(dist, [1, 2, 3], [1, 3], [0, 0, 1],
                                          [1, 1])
    assert result.metrics['num_valid_queries'] == 1
    assert result.metrics['num_skipped_queries'] == 2
    assert result.metrics['mAP'] == 100.0
    assert result.is_valid.tolist() == [True, False, False]
    assert result.first_match_rank.tolist() == [1, 0, 0]
    assert np.isnan(result.ap[1:]).all() and np.isnan(result.inp[1:]).all()


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


def test_result_holds_per_query_numbers_and_the_cmc_curve():
    rng = np.random.default_rng(3)
    q_feats, g_feats, *labels = make_split(rng, 30, 120, integer=False)
    dist = compute_distance(torch.from_numpy(q_feats),
                            torch.from_numpy(g_feats)).numpy()
    expected = reference_evaluate(dist, *labels, topk=(1, 2, 7))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        result = evaluate_reid(q_feats, g_feats, *labels, topk=(1, 2, 7))
    assert isinstance(result, ReIDEvaluationResult)
    assert_same(result, expected)
    valid = result.is_valid
    assert valid.sum() == result.metrics['num_valid_queries']
    # The metrics are the averages of the per-query numbers.
    assert np.nanmean(result.ap) * 100 == pytest.approx(
        result.metrics['mAP'])
    assert np.nanmean(result.inp) * 100 == pytest.approx(
        result.metrics['mINP'])
    assert (result.first_match_rank[valid] >= 1).all()
    assert (result.first_match_rank[~valid] == 0).all()
    curve = result.cmc(7)
    assert curve.shape == (7, ) and (np.diff(curve) >= 0).all()
    for k in (1, 2, 7):
        assert curve[k - 1] == pytest.approx(result.metrics[f'R{k}'])
    assert result.distance_block is None  # kept only when asked


def test_options_are_keyword_only_and_typed():
    rng = np.random.default_rng(4)
    args = make_split(rng, 10, 40)
    with pytest.raises(TypeError):
        evaluate_reid(*args, 'cosine')  # the options are keywords
    with pytest.raises(TypeError, match=r'rerank must be None or '
                       r'RerankOptions\(...\), got True'):
        evaluate_reid(*args, rerank=True)
    with pytest.raises(TypeError, match=r'aqe must be None or AQEOptions'):
        evaluate_reid(*args, aqe=dict(k=3))
    with pytest.raises(ValueError, match=r"rerank_cfg has unknown keys "
                       r"\['k3'\]"):
        RerankOptions.from_cfg(dict(k1=5, k3=2))
    with pytest.raises(ValueError, match=r"aqe_cfg has unknown keys "
                       r"\['beta'\]"):
        AQEOptions.from_cfg(dict(beta=1))
    assert RerankOptions.from_cfg(None) == RerankOptions()
    assert AQEOptions.from_cfg(dict(k=3)) == AQEOptions(k=3, alpha=3.0)
