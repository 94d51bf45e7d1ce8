import numpy as np
import pytest
import torch

from mmreid_dranet.evaluation import (RerankOptions, evaluate_distance_matrix,
                                      evaluate_reid, k_reciprocal_rerank)


def authors_rerank(query, gallery, k1, k2, lambda_value):
    """The steps of the authors' released code, written out densely: the
    (Q+G)^2 squared euclidean distances over each column's maximum, a full
    ranking per sample, the > 2/3 expansion at numpy's round-half-even
    k1 / 2, V normalised per row, the k2 mean over whole rows and the
    Jaccard form 1 - m / (2 - m) (float64)."""
    samples = np.concatenate([query, gallery]).astype(np.float64)
    num = len(samples)
    dist = ((samples[:, None, :] - samples[None, :, :])**2).sum(-1)
    dist = (dist / dist.max(axis=0)).T
    ranking = np.argsort(dist, axis=1, kind='stable')

    def reciprocal(p, k):
        forward = ranking[p, :k + 1]
        return np.array([g for g in forward if p in ranking[g, :k + 1]])

    half = int(np.around(k1 / 2.))
    weights = np.zeros((num, num))
    for p in range(num):
        own = reciprocal(p, k1)
        members = list(own)
        for q in own:
            candidate = reciprocal(q, half)
            if len(np.intersect1d(candidate, own)) > 2 / 3 * len(candidate):
                members.extend(candidate)
        members = np.unique(members)
        weights[p, members] = np.exp(-dist[p, members])
        weights[p] /= weights[p].sum()
    if k2 != 1:
        weights = np.stack(
            [weights[ranking[p, :k2]].mean(axis=0) for p in range(num)])
    num_query = len(query)
    final = np.zeros((num_query, len(gallery)))
    for p in range(num_query):
        shared = np.minimum(weights[p], weights[num_query:]).sum(axis=1)
        jaccard = 1 - shared / (2 - shared)
        final[p] = ((1 - lambda_value) * jaccard +
                    lambda_value * dist[p, num_query:])
    return final


def paper_rerank(query, gallery, k1, k2, lambda_value, normalize=True):
    """The paper's formulas, one sample and one set at a time (float64):
    >= 2/3 expansion at k1 / 2 rounded up, Jaccard with the sum of max."""
    samples = np.concatenate([query, gallery]).astype(np.float64)
    num = len(samples)
    dist = ((samples[:, None, :] - samples[None, :, :])**2).sum(-1)
    dist = dist / dist.max(axis=1, keepdims=True)

    def ranking(p):
        others = [j for j in np.argsort(dist[p], kind='stable') if j != p]
        return [p] + others

    def nearest(p, k):
        return set(ranking(p)[:k + 1])

    def reciprocal(p, k):
        return {g for g in nearest(p, k) if p in nearest(g, k)}

    half = (k1 + 1) // 2
    weights = np.zeros((num, num))
    for p in range(num):
        own = reciprocal(p, k1)
        expanded = set(own)
        for q in own:
            candidate = reciprocal(q, half)
            if len(own & candidate) >= 2 / 3 * len(candidate):
                expanded |= candidate
        for g in expanded:
            weights[p, g] = np.exp(-dist[p, g])
        if normalize:
            weights[p] /= weights[p].sum()
    expanded_weights = np.stack(
        [weights[ranking(p)[:k2]].mean(axis=0) for p in range(num)])
    num_query = len(query)
    final = np.zeros((num_query, len(gallery)))
    for p in range(num_query):
        for g in range(len(gallery)):
            a, b = expanded_weights[p], expanded_weights[num_query + g]
            jaccard = 1 - np.minimum(a, b).sum() / np.maximum(a, b).sum()
            final[p, g] = ((1 - lambda_value) * jaccard +
                           lambda_value * dist[p, num_query + g])
    return final


def clustered_features(rng, num, num_ids, dim=16):
    centers = rng.normal(size=(num_ids, dim))
    pids = rng.integers(0, num_ids, num)
    return (centers[pids] + 0.6 * rng.normal(size=(num, dim))).astype(
        np.float32), pids


@pytest.mark.parametrize('k1', [20, 21])
@pytest.mark.parametrize('k2', [1, 6])
@pytest.mark.parametrize('clustered', [True, False])
def test_rerank_equals_the_authors_algorithm(k1, k2, clustered):
    rng = np.random.default_rng(k1 * 10 + k2)
    if clustered:
        feats, _ = clustered_features(rng, 240, 30)
    else:  # an untrained model: no structure at all
        feats = rng.normal(size=(240, 16)).astype(np.float32)
    query, gallery = feats[:60], feats[60:]
    expected = authors_rerank(query, gallery, k1, k2, 0.3)
    result = k_reciprocal_rerank(query, gallery, 'euclidean', k1, k2, 0.3)
    assert result.shape == (60, 180)
    np.testing.assert_allclose(result.numpy(), expected, rtol=0, atol=1e-5)


def test_authors_and_paper_readings_differ_for_odd_k1():
    feats, _ = clustered_features(np.random.default_rng(0), 120, 15)
    authors = k_reciprocal_rerank(feats[:30], feats[30:], k1=21)
    paper = k_reciprocal_rerank(feats[:30], feats[30:], k1=21,
                                variant='paper')
    assert float((authors - paper).abs().max()) > 1e-3


@pytest.mark.parametrize('k1,k2,lambda_value,normalize', [(20, 6, 0.3, True),
                                                          (21, 6, 0.3, True),
                                                          (7, 3, 0.5, False),
                                                          (5, 1, 0.0, True)])
def test_rerank_paper_variant_matches_its_formulas(k1, k2, lambda_value,
                                                   normalize):
    rng = np.random.default_rng(k1)
    feats, _ = clustered_features(rng, 80, 12)
    query, gallery = feats[:20], feats[20:]
    expected = paper_rerank(query, gallery, k1, k2, lambda_value, normalize)
    result = k_reciprocal_rerank(query, gallery, 'euclidean', k1, k2,
                                 lambda_value, normalize, variant='paper')
    assert result.shape == (20, 60)
    np.testing.assert_allclose(result.numpy(), expected, atol=2e-5)


def test_rerank_evaluation_uses_reranked_distances():
    rng = np.random.default_rng(3)
    feats, pids = clustered_features(rng, 90, 10)
    camids = rng.integers(0, 3, 90)
    query, gallery = slice(0, 25), slice(25, 90)
    args = (feats[query], feats[gallery], pids[query], pids[gallery],
            camids[query], camids[gallery])
    cfg = dict(k1=8, k2=3, lambda_value=0.3)
    reranked = evaluate_reid(*args, rerank=RerankOptions(**cfg),
                             chunk_size=7)
    distmat = k_reciprocal_rerank(feats[query], feats[gallery], **cfg)
    expected = evaluate_distance_matrix(distmat, pids[query], pids[gallery],
                                        camids[query], camids[gallery])
    assert reranked.metrics == expected.metrics
    np.testing.assert_array_equal(reranked.ap, expected.ap)
    plain = evaluate_reid(*args)
    assert reranked.metrics['mAP'] != plain.metrics['mAP']


def test_rerank_rejects_bad_parameters():
    feats = np.random.default_rng(0).normal(size=(10, 4)).astype(np.float32)
    with pytest.raises(ValueError, match='k1'):
        k_reciprocal_rerank(feats[:3], feats[3:], k1=10)
    with pytest.raises(ValueError, match='lambda_value'):
        k_reciprocal_rerank(feats[:3], feats[3:], k1=3, lambda_value=1.5)
    with pytest.raises(ValueError, match="variant 'matlab'"):
        k_reciprocal_rerank(feats[:3], feats[3:], k1=3, variant='matlab')
    with pytest.raises(ValueError, match="variant='paper'"):
        k_reciprocal_rerank(feats[:3], feats[3:], k1=3,
                            normalize_weights=False)
    assert torch.is_tensor(k_reciprocal_rerank(feats[:3], feats[3:], k1=3))
