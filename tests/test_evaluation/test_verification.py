"""Verification rates: exact against a brute-force sort, ties included,
bounded, and the same numbers from 2 processes."""
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

from mmreid_dranet.evaluation import (ReIDMetric, evaluate_verification,
                                      verification_metrics)
from mmreid_dranet.evaluation.functional import pair_counts
from tests.helpers import distributed_metric_worker
from tests.helpers.distributed_metric_worker import make_test_set
from tests.helpers.verification_reference import reference_verification

TARGETS = (1e-4, 1e-3, 1e-2)


def identity_features(seed, num_query, num_gallery, dim, num_ids,
                      grid=False):
    """Identity centres + noise; ``grid``: rounded to {-1, 0, 1}, so that
    most distances are shared by many pairs (ties everywhere)."""
    rng = np.random.default_rng(seed)
    qp = rng.integers(0, num_ids, num_query)
    gp = rng.integers(-1, num_ids, num_gallery)  # -1: distractors
    qc = rng.integers(0, 6, num_query)
    gc = rng.integers(0, 6, num_gallery)
    centres = rng.normal(size=(num_ids + 1, dim))
    qf = centres[qp] + rng.normal(size=(num_query, dim))
    gf = centres[gp] + rng.normal(size=(num_gallery, dim))
    if grid:
        qf, gf = np.round(qf).clip(-1, 1), np.round(gf).clip(-1, 1)
    return (qf.astype(np.float32), gf.astype(np.float32), qp, gp, qc, gc)


def assert_same_as_reference(result, problem, metric='euclidean'):
    ref = reference_verification(*problem, metric=metric, targets=TARGETS)
    assert len(result.fpr) == len(ref['fpr'])
    np.testing.assert_allclose(result.fpr, ref['fpr'], rtol=0, atol=1e-12)
    np.testing.assert_allclose(result.tpr, ref['tpr'], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(result.thresholds, ref['thresholds'])
    assert result.auc == pytest.approx(ref['auc'], abs=1e-9)
    assert result.eer == pytest.approx(ref['eer'], abs=1e-9)
    assert result.eer_threshold == ref['eer_threshold']
    for point in result.operating_points:
        threshold, tpr, fpr = ref['points'][point.target_fpr]
        assert point.threshold == threshold
        assert point.tpr == pytest.approx(tpr, abs=1e-12)
        assert point.fpr == pytest.approx(fpr, abs=1e-12)
        assert point.fpr <= point.target_fpr


@pytest.mark.parametrize('metric', ['euclidean', 'cosine'])
def test_small_problem_equals_the_sorted_reference(metric):
    problem = identity_features(0, 300, 2000, 16, 50)
    result = evaluate_verification(*problem, metric=metric, chunk_size=37)
    assert_same_as_reference(result, problem, metric)
    # The curve's size is set by the positives, not the ~600k negatives.
    assert len(result.fpr) <= 3 * result.num_positive_pairs + 2
    assert result.num_negative_pairs > 30 * len(result.fpr)


def test_many_equal_distances_equal_the_reference():
    # Features on {-1, 0, 1}^4: a few dozen distinct distances shared by
    # 600k pairs, positives and negatives tied at every one.
    problem = identity_features(1, 300, 2000, 4, 50, grid=True)
    result = evaluate_verification(*problem, chunk_size=50)
    assert len(np.unique(result.thresholds)) < 40
    assert_same_as_reference(result, problem)
    # No distance lets through at most 1e-2 of the negatives: the
    # operating point calls nothing "same".
    assert result.operating_points[0].threshold == -np.inf
    assert result.operating_points[0].tpr == 0


def test_market_size_equals_the_reference():
    problem = identity_features(2, 3368, 15913, 64, 751)
    result = evaluate_verification(*problem)
    assert_same_as_reference(result, problem)


def test_other_product_bits_are_counted_again(monkeypatch):
    """Should a product give other bits than its column subset, the pass
    runs again with the true positives: still exact."""
    problem = identity_features(3, 200, 900, 8, 30)
    real = pair_counts.predict_positive_bits

    def off_by_one(*args):
        return real(*args) + 1

    monkeypatch.setattr(pair_counts, 'predict_positive_bits', off_by_one)
    result = evaluate_verification(*problem, chunk_size=64)
    assert_same_as_reference(result, problem)


def test_bad_input_is_named():
    qf, gf, qp, gp, qc, gc = identity_features(4, 20, 50, 4, 5)
    with pytest.raises(ValueError, match='fpr_targets'):
        evaluate_verification(qf, gf, qp, gp, qc, gc, fpr_targets=(0, ))
    with pytest.raises(ValueError, match='no.*true match|true match'):
        evaluate_verification(qf, gf, qp, gp + 100, qc, gc)


def test_metric_reports_rates_and_thresholds():
    feats, pids, camids, is_query = make_test_set()
    metric = ReIDMetric(verification=True)
    metric.process(None, [
        dict(pred_feature=torch.from_numpy(feats[i]), pid=int(pids[i]),
             camid=int(camids[i]),
             is_query=bool(is_query[i]), img_path=f'{i}.jpg')
        for i in range(len(feats))
    ])
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        metrics = metric.evaluate(len(feats))
    q, g = is_query, ~is_query
    expected = verification_metrics(
        evaluate_verification(feats[q], feats[g], pids[q], pids[g],
                              camids[q], camids[g]))
    for key in ('TPR@FPR=1e-4', 'TPR@FPR=1e-3', 'TPR@FPR=1e-2', 'AUC',
                'EER', 'threshold@FPR=1e-2', 'threshold@EER'):
        assert metrics[f'reid/{key}'] == expected[key]
    assert 0 < metrics['reid/AUC'] <= 100


def test_two_processes_give_the_numbers_of_one(tmp_path):
    out_prefix = str(tmp_path / 'verification')
    options = dict(verification=True, chunk_size=4)
    subprocess.run([
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
        f'--master_port={29600 + os.getpid() % 1000}',
        distributed_metric_worker.__file__, out_prefix,
        json.dumps(options)
    ], check=True, timeout=300, env=dict(os.environ, OMP_NUM_THREADS='1'))
    feats, pids, camids, is_query = make_test_set()
    q, g = is_query, ~is_query
    expected = verification_metrics(
        evaluate_verification(feats[q], feats[g], pids[q], pids[g],
                              camids[q], camids[g], chunk_size=4))
    for rank in range(2):
        with open(f'{out_prefix}.{rank}.json') as f:
            metrics = json.load(f)['metrics']
        for key, value in expected.items():
            assert metrics[f'reid/{key}'] == value, key
