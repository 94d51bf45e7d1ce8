"""Searches that can answer "no match", two-image verification, and the
calibrate-then-search road of the docs on the tiny model."""
import json
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import torch

from mmreid_dranet.apis import DistanceThreshold, ReIDGallery, SearchResult
from mmreid_dranet.apis.search_threshold import open_set_rates
from mmreid_dranet.evaluation import compute_distance, save_features
from mmreid_dranet.utils.provenance import (EmbeddingProvenance,
                                            ProvenanceMismatchError)
from tests.helpers.scripts import load_script

demo = load_script('demo/search_demo.py')
calibrate = load_script('tools/analysis_tools/calibrate_threshold.py')
MODEL = EmbeddingProvenance('dranet_demo_synthetic', 'ab' * 32, False, True)
OTHER = EmbeddingProvenance('dranet_demo_synthetic', 'cd' * 32, False, True)


def threshold_of(provenance, max_distance=1.0, metric='euclidean'):
    return DistanceThreshold(max_distance, metric, 1e-3, 9e-4, 0.8, 10,
                             10000, provenance)


def small_gallery(**kwargs):
    rng = np.random.default_rng(0)
    feats = rng.normal(size=(30, 8)).astype(np.float32)
    return feats, ReIDGallery(feats, [f'{i}.jpg' for i in range(30)],
                              **kwargs)


def test_results_beyond_the_limit_are_dropped_and_no_match_is_said():
    feats, gallery = small_gallery(provenance=MODEL)
    # Query 0 is gallery entry 0 (distance 0); query 1 is far from all.
    queries = np.stack([feats[0], np.full(8, 50, np.float32)])
    plain = gallery.search(queries, topk=5)
    assert plain.limit == '' and not plain.no_match.any()
    limit = float(plain.distances[0][2])
    result = gallery.search(queries, topk=5, max_distance=limit)
    np.testing.assert_array_equal(result.matched, [True, False])
    np.testing.assert_array_equal(result.no_match, [False, True])
    assert result.indices[0].tolist() == plain.indices[0][:3].tolist() + [
        -1, -1]
    assert result.paths == [plain.paths[0][:3], []]
    assert result.limit == f'distance <= {limit:.4g}'
    # A calibrated threshold (object or file) works alike and names its
    # operating point.
    calibrated = threshold_of(MODEL, limit)
    by_threshold = gallery.search(queries, topk=5, threshold=calibrated)
    assert by_threshold.limit == 'FPR 1e-3'
    np.testing.assert_array_equal(by_threshold.indices, result.indices)
    with pytest.raises(ValueError, match='not both'):
        gallery.search(queries, max_distance=1.0, threshold=calibrated)


def test_another_models_or_metrics_threshold_is_refused(tmp_path):
    _, gallery = small_gallery(provenance=MODEL)
    path = threshold_of(OTHER).save(str(tmp_path / 'other.json'))
    with pytest.raises(ProvenanceMismatchError, match='the gallery'):
        gallery.search(np.zeros(8, np.float32), threshold=path)
    with pytest.raises(ValueError, match='calibrated on cosine'):
        gallery.search(np.zeros(8, np.float32),
                       threshold=threshold_of(MODEL, metric='cosine'))
    # The provenance is saved and loaded with the gallery.
    loaded = ReIDGallery.load(gallery.save(str(tmp_path / 'g.npz')))
    assert loaded.provenance == MODEL
    _, unknown = small_gallery()
    with pytest.warns(UserWarning, match='not checked'):
        unknown.search(np.zeros(8, np.float32), threshold=path)


def test_open_set_rates():
    result = SearchResult(np.array([[3], [-1], [-1], [5]]),
                          np.zeros((4, 1), np.float32), [[], [], [], []],
                          np.array([True, False, False, True]), 'FPR 1e-3')
    rates = open_set_rates(result, first_match=[True, False, False, False],
                           present=[True, True, False, False])
    # Absent: query 2 rejected, query 3 answered (wrongly): 1 of 2.
    assert rates.num_absent == 2 and rates.rejection_rate == 0.5
    # Present: query 0 right within the limit, query 1 rejected: 1 of 2.
    assert rates.num_present == 2
    assert rates.detection_identification_rate == 0.5


def test_verify_two_images(inferencer, synthetic_market_root, tmp_path):
    folder = osp.join(synthetic_market_root, 'query')
    a, b = (osp.join(folder, name) for name in sorted(os.listdir(folder))[:2])
    same = inferencer.verify(a, a, threshold=0.0)
    assert same.distance == 0 and same.same and same.metric == 'euclidean'
    embeddings = torch.from_numpy(inferencer([a, b])['embeddings'])
    expected = float(compute_distance(embeddings[:1], embeddings[1:])[0, 0])
    verdict = inferencer.verify(a, b, threshold=expected / 2)
    assert verdict.distance == pytest.approx(expected, rel=1e-6)
    assert not verdict.same and verdict.label.startswith('distance <=')
    path = threshold_of(inferencer.provenance, expected * 2).save(
        str(tmp_path / 'mine.json'))
    verdict = inferencer.verify(a, b, threshold=path)
    assert verdict.same and verdict.label == 'FPR 1e-3'
    with pytest.raises(ProvenanceMismatchError, match="inferencer's model"):
        inferencer.verify(a, b, threshold=threshold_of(OTHER))


def test_calibrate_then_search_on_the_tiny_model(tiny, tiny_checkpoint,
                                                 identity_root, tmp_path,
                                                 capsys):
    """The docs' road: embed a labelled split, calibrate, search with the
    threshold; a person absent from the gallery gets "no match"."""
    from mmreid_dranet.apis import ReIDInferencer
    inferencer = ReIDInferencer(tiny.TINY_CONFIG, tiny_checkpoint,
                                device='cpu')
    split = {}
    for side in ('query', 'gallery'):
        gallery = ReIDGallery.from_folder(inferencer,
                                          osp.join(identity_root, side))
        split[side] = gallery
    # One pid per name over both sides; cameras made up, all distinct
    # between the sides (no junk pairs).
    names = sorted(set(split['query'].names) | set(split['gallery'].names))
    pids = {side: np.array([names.index(n) for n in split[side].names])
            for side in split}
    npz = save_features(
        str(tmp_path / 'feats.npz'), split['query'].embeddings.numpy(),
        split['gallery'].embeddings.numpy(), pids['query'], pids['gallery'],
        np.arange(len(split['query'])) % 2,
        np.arange(len(split['gallery'])) % 2 + 2,
        provenance=inferencer.provenance)
    threshold_file = str(tmp_path / 'threshold.json')
    calibrate.main([npz, '--fpr', '0.1', '--out', threshold_file])
    threshold = DistanceThreshold.load(threshold_file)
    # Queries: every identity folder; 'alice' removed from the gallery, so
    # that her queries are of an absent identity.
    gallery_dir = str(tmp_path / 'gallery')
    shutil.copytree(osp.join(identity_root, 'gallery'), gallery_dir)
    shutil.rmtree(osp.join(gallery_dir, 'alice'))
    picture = str(tmp_path / 'first.png')
    capsys.readouterr()
    demo.main([osp.join(identity_root, 'query'), gallery_dir,
               tiny.TINY_CONFIG, tiny_checkpoint, '--device', 'cpu',
               '--topk', '3', '--threshold', threshold_file, '--out',
               picture])
    printed = capsys.readouterr().out
    answers = [line for line in printed.splitlines() if '.jpg: ' in line]
    assert len(answers) == len(split['query'])
    for line in answers:
        answer = line.split(': ', 1)[1]
        if answer != 'no match (FPR 1e-1)':
            assert float(answer.split()[0]) <= threshold.max_distance
    assert 'open set (FPR 1e-1): ' in printed
    assert osp.isfile(picture)
    # A single query far beyond any limit: "no match", printed and drawn.
    query = osp.join(identity_root, 'query', 'alice',
                     sorted(os.listdir(osp.join(identity_root, 'query',
                                                'alice')))[0])
    demo.main([query, gallery_dir, tiny.TINY_CONFIG, tiny_checkpoint,
               '--device', 'cpu', '--max-distance', '0', '--out', picture])
    printed = capsys.readouterr().out
    assert 'no match (distance <= 0)' in printed
    # The query alone, widened for the words "no match (...)" above it.
    from mmreid_dranet.visualization.ranked_list import RankListLayout
    drawn = cv2.imread(picture)
    assert drawn.shape[1] > RankListLayout().canvas_size(0)[1]
    assert drawn[:20, 90:].min() < 128  # the text runs past the tile


def test_pictures_and_the_tiny_models_file(test_out_npz, tmp_path, capsys):
    out = str(tmp_path / 'threshold.json')
    show = tmp_path / 'show'
    threshold = calibrate.main([test_out_npz, '--fpr', '0.1', '--out', out,
                                '--show-dir', str(show), '--metric',
                                'cosine'])
    printed = capsys.readouterr().out
    assert 'FPR 1e-1: same person at cosine distance <=' in printed
    # The model the tests' tools/test.py run used (flip and L2 on).
    assert threshold.provenance.flip and threshold.provenance.l2_normalize
    assert threshold.provenance.config == 'tiny_demo_config'
    for name in ('distance_histograms.png', 'roc.png'):
        picture = cv2.imread(str(show / name))
        assert picture is not None and picture.shape[2] == 3
        assert picture.std() > 10  # drawn, not blank
    data = json.loads(open(out).read())
    assert data['max_distance'] == threshold.max_distance
