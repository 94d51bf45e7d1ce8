import json
import os
import os.path as osp
import subprocess
import sys
import warnings

import cv2
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.logging import MessageHub
from mmpretrain.structures import DataSample

from mmreid_dranet.evaluation import (AQEOptions, DumpReIDEmbeddings,
                                      EvaluatedRanking, ReIDMetric,
                                      RerankOptions, evaluate_reid,
                                      load_features, request_rankings,
                                      take_rankings)
from mmreid_dranet.evaluation.functional import rerank_steps
from tests.helpers import distributed_metric_worker
from tests.helpers.distributed_metric_worker import make_test_set

WORKER = distributed_metric_worker.__file__
NUM_QUERY = 12


def predicted_samples(feats, pids, camids, is_query, paths):
    """DataSamples as ReIDModel's predict mode returns them."""
    samples = []
    for i in range(len(feats)):
        sample = DataSample()
        sample.set_field(torch.from_numpy(feats[i]), 'pred_feature')
        sample.set_field(int(pids[i]), 'pid')
        sample.set_field(int(camids[i]), 'camid')
        sample.set_field(bool(is_query[i]), 'is_query')
        sample.set_field(paths[i], 'img_path', field_type='metainfo')
        samples.append(sample)
    return samples


def write_images(folder, num):
    rng = np.random.default_rng(1)
    paths = []
    for i in range(num):
        path = osp.join(folder, f'{i:04d}_c1s1_{i:06d}_00.jpg')
        cv2.imwrite(path, rng.integers(0, 255, (64, 32, 3), dtype=np.uint8))
        paths.append(path)
    return paths


def direct_evaluation(feats, pids, camids, is_query, rerank_cfg=None,
                      aqe_cfg=None, rerank=False, aqe=False, **kwargs):
    """evaluate_reid's metrics; the options as ReIDMetric's config has
    them."""
    q, g = is_query, ~is_query
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return evaluate_reid(
            feats[q], feats[g], pids[q], pids[g], camids[q], camids[g],
            rerank=RerankOptions(**(rerank_cfg or {})) if rerank else None,
            aqe=AQEOptions(**(aqe_cfg or {})) if aqe else None,
            **kwargs).metrics


def test_metric_in_evaluator_matches_functional_and_dumps(tmp_path):
    feats, pids, camids, is_query = make_test_set()
    paths = write_images(str(tmp_path), len(feats))
    dump = str(tmp_path / 'out' / 'feats.npz')
    evaluator = Evaluator([
        ReIDMetric(metric='cosine', topk=(1, 5), publish_ranking=True),
        DumpReIDEmbeddings(out_file=dump)
    ])
    samples = predicted_samples(feats, pids, camids, is_query, paths)
    for start in range(0, len(samples), 5):
        evaluator.process(samples[start:start + 5])
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        metrics = evaluator.evaluate(len(samples))
    expected = direct_evaluation(feats, pids, camids, is_query,
                                 metric='cosine', topk=(1, 5))
    # The dump adds no key.
    assert set(metrics) == {'reid/mAP', 'reid/R1', 'reid/R5', 'reid/mINP'}
    for key in ('mAP', 'R1', 'R5', 'mINP'):
        assert metrics[f'reid/{key}'] == expected[key]

    saved = load_features(dump)
    np.testing.assert_array_equal(saved['query_feats'], feats[is_query])
    np.testing.assert_array_equal(saved['gallery_feats'], feats[~is_query])
    np.testing.assert_array_equal(saved['gallery_pids'], pids[~is_query])
    np.testing.assert_array_equal(saved['query_camids'], camids[is_query])
    assert list(saved['query_paths']) == paths[:NUM_QUERY]
    assert list(saved['gallery_paths']) == paths[NUM_QUERY:]
    # The metric draws nothing; it publishes what it ranked.
    assert not any(name.endswith('.png') for name in os.listdir(tmp_path))
    ranking = take_rankings()['reid']
    assert isinstance(ranking, EvaluatedRanking)
    assert list(ranking.query_paths) == paths[:NUM_QUERY]
    np.testing.assert_array_equal(ranking.gallery_pids.numpy(),
                                  pids[~is_query])
    assert np.nanmean(ranking.ap) * 100 == pytest.approx(expected['mAP'])
    assert take_rankings() == {}  # taken: the hub holds it no more


def test_dump_round_trips_through_load_features(tmp_path):
    feats, pids, camids, is_query = make_test_set(3)
    order = np.random.default_rng(0).permutation(len(feats))  # mixed sides
    feats, pids = feats[order], pids[order]
    camids, is_query = camids[order], is_query[order]
    paths = [f'img_{i}.jpg' for i in range(len(feats))]
    dump = DumpReIDEmbeddings(out_file=str(tmp_path / 'dump'),
                              normalize_features=True)
    dump.process(None, [s.to_dict() for s in predicted_samples(
        feats, pids, camids, is_query, paths)])
    assert dump.evaluate(len(feats)) == {}
    assert dump.results == []
    saved = load_features(str(tmp_path / 'dump.npz'))  # .npz appended
    unit = feats / np.linalg.norm(feats, axis=1, keepdims=True)
    np.testing.assert_allclose(saved['query_feats'], unit[is_query],
                               rtol=1e-6)
    np.testing.assert_allclose(saved['gallery_feats'], unit[~is_query],
                               rtol=1e-6)
    assert saved['query_feats'].dtype == np.float32
    np.testing.assert_array_equal(saved['query_pids'], pids[is_query])
    np.testing.assert_array_equal(saved['gallery_camids'], camids[~is_query])
    assert list(saved['gallery_paths']) == [
        p for p, q in zip(paths, is_query) if not q]
    # The file evaluates to the metric's numbers.
    metric = ReIDMetric(normalize_features=True)
    metric.process(None, [s.to_dict() for s in predicted_samples(
        feats, pids, camids, is_query, paths)])
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        metrics = metric.evaluate(len(feats))
        offline = evaluate_reid(saved['query_feats'], saved['gallery_feats'],
                                saved['query_pids'], saved['gallery_pids'],
                                saved['query_camids'],
                                saved['gallery_camids']).metrics
    assert metrics['reid/mAP'] == pytest.approx(offline['mAP'], abs=1e-4)
    with pytest.raises(ValueError, match='out_file must name an npz'):
        DumpReIDEmbeddings(out_file='')


def test_metric_publishes_its_ranking_only_when_asked():
    feats, pids, camids, is_query = make_test_set(1)
    samples = [s.to_dict() for s in predicted_samples(
        feats, pids, camids, is_query, [''] * len(feats))]

    def evaluate(metric):
        metric.process(None, samples)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            return metric.evaluate(len(samples))

    take_rankings()  # a clean hub
    metric = ReIDMetric(prefix='plain')
    quiet = evaluate(metric)
    assert take_rankings() == {}  # nobody asked: nothing kept
    request_rankings()  # what ReIDVisualizationHook does
    asked = evaluate(metric)
    assert asked == quiet  # the numbers do not depend on it
    rankings = take_rankings()
    assert list(rankings) == ['plain']
    ranking = rankings['plain']
    np.testing.assert_array_equal(
        ranking.distance_block(0, 2).shape, (2, int((~is_query).sum())))
    # take_rankings withdrew the request: the next evaluation keeps nothing.
    evaluate(metric)
    assert take_rankings() == {}
    hub = MessageHub.get_current_instance()
    assert 'reid_rankings' not in hub.state_dict()['runtime_info']


def test_metric_reranking_and_normalization_reach_the_functional_core():
    feats, pids, camids, is_query = make_test_set(2)
    metric = ReIDMetric(rerank=True, rerank_cfg=dict(k1=6, k2=2),
                        normalize_features=True)
    assert metric.rerank == RerankOptions(k1=6, k2=2)
    metric.process(None, [s.to_dict() for s in predicted_samples(
        feats, pids, camids, is_query, [''] * len(feats))])
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        metrics = metric.evaluate(len(feats))
    unit = feats / np.linalg.norm(feats, axis=1, keepdims=True)
    expected = direct_evaluation(unit, pids, camids, is_query, rerank=True,
                                 rerank_cfg=dict(k1=6, k2=2))
    assert metrics['reid/mAP'] == pytest.approx(expected['mAP'], abs=1e-9)


def test_metric_reports_missing_keys_and_missing_queries():
    metric = ReIDMetric()
    with pytest.raises(KeyError, match="'a.jpg' lacks \\['camid'\\]"):
        metric.process(None, [dict(pred_feature=torch.zeros(3), pid=1,
                                   is_query=True, img_path='a.jpg')])
    metric.process(None, [dict(pred_feature=torch.ones(3), pid=1, camid=0,
                               is_query=False, img_path='b.jpg')])
    with pytest.raises(ValueError, match='none of the 1 evaluated samples'):
        metric.evaluate(1)


@pytest.mark.parametrize('options', [
    dict(),
    dict(distributed_ranking=False),
    dict(chunk_size=4, rerank=True, rerank_cfg=dict(k1=6, k2=3)),
    dict(chunk_size=4, aqe=True, aqe_cfg=dict(k=3), metric='cosine'),
    dict(dump=True),
])
def test_two_processes_give_the_numbers_of_one(tmp_path, monkeypatch,
                                               options):
    out_prefix = str(tmp_path / 'metrics')
    subprocess.run([
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
        f'--master_port={29500 + os.getpid() % 1000}', WORKER, out_prefix,
        json.dumps(options)
    ], check=True, timeout=300, env=dict(os.environ, OMP_NUM_THREADS='1'))
    ranks = []
    for rank in range(2):
        with open(f'{out_prefix}.{rank}.json') as f:
            ranks.append(json.load(f))
    monkeypatch.setattr(rerank_steps, 'DEFAULT_BLOCK_ELEMENTS',
                        distributed_metric_worker.SMALL_BLOCK_ELEMENTS)
    feats, pids, camids, is_query = make_test_set()
    kwargs = {k: v for k, v in options.items()
              if k not in ('distributed_ranking', 'dump')}
    expected = direct_evaluation(feats, pids, camids, is_query, **kwargs)
    for result in ranks:  # every process returns the metrics
        assert result['metrics'] == {
            f'reid/{k}': expected[k]
            for k in ('mAP', 'R1', 'R5', 'R10', 'mINP')
        }
    if options.get('distributed_ranking', True):
        # 12 queries in blocks of 4 (1 block with the default chunk size):
        # each process ranked its own share.
        shares = [8, 4] if 'chunk_size' in options else [12, 0]
        assert [r['ranked'] for r in ranks] == shares
    else:
        assert [r['ranked'] for r in ranks] == [12, 0]
    if options.get('dump'):
        # Every sample once, in dataset order (the sampler's padded copy
        # of sample 0 dropped), written by one process.
        saved = load_features(f'{out_prefix}.npz')
        np.testing.assert_array_equal(saved['query_feats'], feats[is_query])
        np.testing.assert_array_equal(saved['gallery_feats'],
                                      feats[~is_query])
        np.testing.assert_array_equal(saved['gallery_pids'],
                                      pids[~is_query])
        assert list(saved['query_paths']) == [
            f'{i}.jpg' for i in range(len(feats)) if is_query[i]]


def test_pid_names_reach_the_dump_and_old_dumps_still_load(tmp_path):
    feats, pids, camids, is_query = make_test_set()
    dump = str(tmp_path / 'named.npz')
    metric = DumpReIDEmbeddings(out_file=dump)
    samples = [s.to_dict() for s in predicted_samples(
        feats, pids, camids, is_query, [''] * len(feats))]
    for i, sample in enumerate(samples):
        if i % 2:  # a data set with integer ids only leaves it out
            sample['pid_name'] = f'person_{pids[i]}'
    metric.process(None, samples)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        metric.evaluate(len(samples))
    saved = load_features(dump)
    names = ['' if i % 2 == 0 else f'person_{pids[i]}'
             for i in range(len(feats))]
    assert list(saved['query_names']) == names[:NUM_QUERY]
    assert list(saved['gallery_names']) == names[NUM_QUERY:]

    old = str(tmp_path / 'old.npz')  # written before the names existed
    np.savez(old, **{k: v for k, v in saved.items() if 'names' not in k})
    reloaded = load_features(old)
    assert list(reloaded['query_names']) == [''] * NUM_QUERY
    assert reloaded['gallery_names'].shape == (len(feats) - NUM_QUERY, )
    np.testing.assert_array_equal(reloaded['gallery_feats'],
                                  saved['gallery_feats'])
