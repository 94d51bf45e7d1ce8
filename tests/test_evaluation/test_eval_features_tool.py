import warnings

import numpy as np
import pytest

from mmreid_dranet.evaluation import (AQEOptions, RerankOptions, evaluate_reid,
                                      save_features)
from tests.helpers.scripts import load_script


def load_tool():
    return load_script('tools/analysis_tools/eval_features.py')


def test_eval_features_reproduces_evaluate_reid(tmp_path, capsys):
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(6, 12))
    q_pids, g_pids = np.arange(10) % 6, rng.integers(0, 6, 50)
    q_feats = (centers[q_pids] + rng.normal(size=(10, 12))).astype(np.float32)
    g_feats = (centers[g_pids] + rng.normal(size=(50, 12))).astype(np.float32)
    q_cams, g_cams = np.zeros(10, int), np.ones(50, int)
    path = save_features(str(tmp_path / 'f'), q_feats, g_feats, q_pids,
                         g_pids, q_cams, g_cams)
    plain, reranked, expanded = load_tool().main(
        [path, '--metric', 'cosine', '--rerank', '--k1', '8', '--k2', '3',
         '--rerank-variant', 'paper', '--aqe', '--aqe-k', '4', '--topk', '1',
         '3'])
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        expected = evaluate_reid(q_feats, g_feats, q_pids, g_pids, q_cams,
                                 g_cams, metric='cosine', topk=(1, 3))
        expected_rr = evaluate_reid(
            q_feats, g_feats, q_pids, g_pids, q_cams, g_cams,
            metric='cosine', topk=(1, 3), rerank=RerankOptions(
                k1=8, k2=3, lambda_value=0.3, variant='paper'))
        expected_aqe = evaluate_reid(
            q_feats, g_feats, q_pids, g_pids, q_cams, g_cams,
            metric='cosine', topk=(1, 3), aqe=AQEOptions(k=4, alpha=3.0))
    assert plain.metrics == expected.metrics
    assert reranked.metrics == expected_rr.metrics
    assert expanded.metrics == expected_aqe.metrics
    np.testing.assert_array_equal(reranked.ap, expected_rr.ap)
    table = capsys.readouterr().out
    assert (f"| plain | {expected.metrics['R1']:.2f} | "
            f"{expected.metrics['R3']:.2f} |") in table


def test_eval_features_rejects_incomplete_files(tmp_path):
    path = str(tmp_path / 'bad.npz')
    np.savez(path, query_feats=np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match='lacks the arrays'):
        load_tool().main([path])
    with pytest.raises(FileNotFoundError, match='missing.npz'):
        load_tool().main([str(tmp_path / 'missing.npz')])
