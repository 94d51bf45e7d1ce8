import numpy as np
import pytest
import torch

from mmreid_dranet.evaluation import (evaluate_distance_matrix, evaluate_reid,
                                      k_reciprocal_rerank)


def literal_rerank(query, gallery, k1, k2, lambda_value, normalize=True):
    """The paper's formulas, one sample and one set at a time (float64)."""
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


@pytest.mark.parametrize('k1,k2,lambda_value,normalize', [(20, 6, 0.3, True),
                                                          (7, 3, 0.5, False),
                                                          (5, 1, 0.0, True)])
def test_rerank_matches_literal_formulas(k1, k2, lambda_value, normalize):
    rng = np.random.default_rng(k1)
    feats, _ = clustered_features(rng, 80, 12)
    query, gallery = feats[:20], feats[20:]
    expected = literal_rerank(query, gallery, k1, k2, lambda_value,
                              normalize)
    result = k_reciprocal_rerank(query, gallery, 'euclidean', k1, k2,
                                 lambda_value, normalize)
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
    reranked = evaluate_reid(*args, rerank=True, rerank_cfg=cfg,
                             chunk_size=7)
    distmat = k_reciprocal_rerank(feats[query], feats[gallery], **cfg)
    expected = evaluate_distance_matrix(distmat, pids[query], pids[gallery],
                                        camids[query], camids[gallery])
    assert reranked == expected
    plain = evaluate_reid(*args)
    assert reranked['mAP'] != plain['mAP']


def test_rerank_rejects_bad_parameters():
    feats = np.random.default_rng(0).normal(size=(10, 4)).astype(np.float32)
    with pytest.raises(ValueError, match='k1'):
        k_reciprocal_rerank(feats[:3], feats[3:], k1=10)
    with pytest.raises(ValueError, match='lambda_value'):
        k_reciprocal_rerank(feats[:3], feats[3:], k1=3, lambda_value=1.5)
    assert torch.is_tensor(k_reciprocal_rerank(feats[:3], feats[3:], k1=3))
