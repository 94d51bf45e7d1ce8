import warnings

import numpy as np
import pytest
import torch

from mmreid_dranet.evaluation import (AQEOptions, average_query_expansion,
                                      evaluate_reid)


def reference_aqe(query, gallery, k, alpha):
    """q' = (q + sum_i max(s_i, 0)^alpha g_i) / (1 + sum_i max(s_i, 0)^alpha)
    over the k gallery features of highest cosine similarity s_i (float64)."""
    query, gallery = query.astype(np.float64), gallery.astype(np.float64)
    unit_g = gallery / np.linalg.norm(gallery, axis=1, keepdims=True)
    expanded = []
    for q in query:
        sims = unit_g @ (q / np.linalg.norm(q))
        top = np.argsort(-sims, kind='stable')[:k]
        weights = np.maximum(sims[top], 0)**alpha
        expanded.append((q + weights @ gallery[top]) / (1 + weights.sum()))
    return np.stack(expanded)


@pytest.mark.parametrize('k,alpha', [(1, 3.0), (5, 3.0), (4, 0.5)])
def test_aqe_matches_its_formula(k, alpha):
    rng = np.random.default_rng(k)
    query = rng.normal(size=(15, 8)).astype(np.float32)
    gallery = rng.normal(size=(40, 8)).astype(np.float32)
    expected = reference_aqe(query, gallery, k, alpha)
    result = average_query_expansion(torch.from_numpy(query),
                                     torch.from_numpy(gallery), k, alpha)
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-5,
                               atol=1e-5)


def test_evaluate_reid_aqe_ranks_the_expanded_queries():
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(8, 12))
    q_pids, g_pids = np.arange(16) % 8, rng.integers(0, 8, 60)
    query = (centers[q_pids] + rng.normal(size=(16, 12))).astype(np.float32)
    gallery = (centers[g_pids] + rng.normal(size=(60, 12))).astype(np.float32)
    labels = (q_pids, g_pids, np.zeros(16, int), np.ones(60, int))
    expanded = reference_aqe(query, gallery, 3, 3.0).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        result = evaluate_reid(query, gallery, *labels,
                               aqe=AQEOptions(k=3, alpha=3.0))
        expected = evaluate_reid(expanded, gallery, *labels)
        plain = evaluate_reid(query, gallery, *labels)
    assert result.metrics['mAP'] == pytest.approx(expected.metrics['mAP'],
                                                  abs=1e-9)
    assert result.metrics['mAP'] != plain.metrics['mAP']


def test_aqe_rejects_bad_parameters():
    feats = torch.randn(6, 3)
    with pytest.raises(ValueError, match='aqe_cfg k'):
        average_query_expansion(feats[:2], feats[2:], k=5)
    with pytest.raises(ValueError, match='aqe_cfg alpha'):
        average_query_expansion(feats[:2], feats[2:], k=2, alpha=-1.0)
