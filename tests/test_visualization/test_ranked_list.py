import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from mmreid_dranet.evaluation import (EvaluatedRanking, compute_distance,
                                      save_features)
from mmreid_dranet.visualization import (RankListLayout, ReIDVisualizer,
                                         draw_ranked_list, read_image,
                                         select_queries)
from mmreid_dranet.visualization.ranked_list import (MATCH_COLOR,
                                                     MISMATCH_COLOR,
                                                     QUERY_COLOR,
                                                     UNKNOWN_COLOR)
from tests.helpers import pixels
from tests.helpers.scripts import load_script

LAYOUT = RankListLayout(tile_height=48, tile_width=24, border=3)


def frame_colors(picture, num_tiles, layout=LAYOUT):
    return pixels.frame_colors(picture, num_tiles, layout)


def test_frames_follow_match_flags():
    gray = np.full((64, 32, 3), 128, np.uint8)
    flags = [True, False, False, True, False]
    picture = draw_ranked_list(gray, [gray] * 5, flags,
                               [0.1, 0.2, 0.3, 0.4, 0.5], 'title', LAYOUT)
    assert picture.shape == LAYOUT.canvas_size(5) + (3, )
    expected = [QUERY_COLOR] + [
        MATCH_COLOR if f else MISMATCH_COLOR for f in flags
    ]
    assert frame_colors(picture, 6) == expected
    # the image itself sits inside the frame, resized
    y, x = LAYOUT.tile_origin(2)
    b = LAYOUT.border
    assert (picture[y + b:y + b + LAYOUT.tile_height,
                    x + b:x + b + LAYOUT.tile_width] == 128).all()


def test_unknown_matches_get_neutral_frames():
    gray = np.full((64, 32, 3), 128, np.uint8)
    # An unlabelled gallery: no flags at all -> every result grey.
    picture = draw_ranked_list(gray, [gray] * 3, None, [0.1, 0.2, 0.3],
                               'search', LAYOUT)
    assert frame_colors(picture, 4) == [QUERY_COLOR] + [UNKNOWN_COLOR] * 3
    assert UNKNOWN_COLOR not in (MATCH_COLOR, MISMATCH_COLOR, QUERY_COLOR)
    # Per-image None beside known flags.
    picture = draw_ranked_list(gray, [gray] * 3, [True, None, False],
                               [0.1, 0.2, 0.3], 'mixed', LAYOUT)
    assert frame_colors(picture, 4) == [
        QUERY_COLOR, MATCH_COLOR, UNKNOWN_COLOR, MISMATCH_COLOR]


def test_draw_rejects_inconsistent_lengths():
    gray = np.zeros((8, 4, 3), np.uint8)
    with pytest.raises(ValueError, match='2 gallery images, 1 match flags'):
        draw_ranked_list(gray, [gray, gray], [True], [0.1, 0.2])


def test_select_queries_orders_by_ap_and_skips_unmatched():
    ap = np.array([0.5, np.nan, 0.1, 0.9, 0.1, 1.0])
    worst, best = select_queries(ap, 3)
    assert worst.tolist() == [2, 4, 0]
    assert best.tolist() == [5, 3, 0]


def test_read_image_names_missing_file(tmp_path):
    missing = str(tmp_path / 'nope.jpg')
    with pytest.raises(FileNotFoundError, match='nope.jpg'):
        read_image(missing)


def make_gallery(tmp_path, seed=0):
    rng = np.random.default_rng(seed)
    num_query, num_gallery = 6, 30
    q_pids = np.arange(num_query) % 4
    g_pids = rng.integers(0, 5, num_gallery)
    q_cams = np.zeros(num_query, int)
    g_cams = rng.integers(0, 2, num_gallery)
    q_feats = rng.normal(size=(num_query, 8)).astype(np.float32)
    g_feats = rng.normal(size=(num_gallery, 8)).astype(np.float32)
    paths = []
    for name in [f'q{i}' for i in range(num_query)] + [
            f'g{i}' for i in range(num_gallery)
    ]:
        path = str(tmp_path / f'{name}.jpg')
        cv2.imwrite(path, rng.integers(0, 255, (64, 32, 3), dtype=np.uint8))
        paths.append(path)
    return (q_feats, g_feats, q_pids, g_pids, q_cams, g_cams,
            paths[:num_query], paths[num_query:])


def expected_flags(dist_row, q_pid, q_cam, g_pids, g_cams, topk):
    order = np.argsort(dist_row, kind='stable')
    order = [i for i in order if not (g_pids[i] == q_pid and
                                      g_cams[i] == q_cam)][:topk]
    return [MATCH_COLOR if g_pids[i] == q_pid else MISMATCH_COLOR
            for i in order]


def gallery_ranking(tmp_path):
    """A ranking as ReIDMetric publishes it, and its distances."""
    (q_feats, g_feats, q_pids, g_pids, q_cams, g_cams, q_paths,
     g_paths) = make_gallery(tmp_path)
    dist = compute_distance(torch.from_numpy(q_feats),
                            torch.from_numpy(g_feats))
    ap = np.array([0.3, 0.8, np.nan, 0.5, 0.1, 0.9])
    ranking = EvaluatedRanking(ap=ap,
                               distance_block=lambda s, e: dist[s:e],
                               query_pids=torch.from_numpy(q_pids),
                               query_camids=torch.from_numpy(q_cams),
                               gallery_pids=torch.from_numpy(g_pids),
                               gallery_camids=torch.from_numpy(g_cams),
                               query_paths=np.array(q_paths),
                               gallery_paths=np.array(g_paths))
    return ranking, dist, (q_pids, g_pids, q_cams, g_cams)


def test_saved_pictures_frame_the_true_matches(tmp_path):
    ranking, dist, (q_pids, g_pids, q_cams, g_cams) = gallery_ranking(
        tmp_path)
    visualizer = ReIDVisualizer.get_instance(
        'test_saved_pictures', rank_layout=LAYOUT.__dict__)
    written = visualizer.visualize_ranked_lists(
        ranking, topk=5, num_queries=2, out_dir=str(tmp_path / 'vis'))
    names = [osp.basename(p) for p in written]
    assert names == ['worst_000_q4.png', 'worst_001_q0.png',
                     'best_000_q5.png', 'best_001_q1.png']
    for path, query in zip(written, [4, 0, 5, 1]):
        picture = cv2.imread(path)
        assert picture.shape == LAYOUT.canvas_size(5, labelled=True) + (3, )
        expected = [QUERY_COLOR] + expected_flags(
            dist[query].numpy(), q_pids[query], q_cams[query], g_pids,
            g_cams, 5)
        assert frame_colors(picture, 6) == expected


def test_visualize_ranks_tool(tmp_path):
    (q_feats, g_feats, q_pids, g_pids, q_cams, g_cams, q_paths,
     g_paths) = make_gallery(tmp_path, seed=1)
    npz = save_features(str(tmp_path / 'feats.npz'), q_feats, g_feats, q_pids,
                        g_pids, q_cams, g_cams, q_paths, g_paths)
    module = load_script('tools/visualization/visualize_ranks.py')
    written = module.main([npz, '--out-dir', str(tmp_path / 'out'),
                           '--topk', '4', '--num-queries', '3'])
    assert len(written) == 6
    picture = cv2.imread(written[0])
    assert picture.shape == RankListLayout().canvas_size(
        4, labelled=True) + (3, )


def test_ranked_lists_reach_the_vis_backends(tmp_path):
    """Without out_dir the pictures go to every configured backend (here
    mmengine's LocalVisBackend; TensorBoard works the same way)."""
    ranking, dist, (q_pids, g_pids, q_cams, g_cams) = gallery_ranking(
        tmp_path)
    visualizer = ReIDVisualizer(
        name='test_backends', rank_layout=LAYOUT.__dict__,
        vis_backends=[dict(type='LocalVisBackend')],
        save_dir=str(tmp_path / 'logs'))
    names = visualizer.visualize_ranked_lists(ranking, topk=5,
                                              num_queries=1, step=7)
    assert names == ['worst_000_q4', 'best_000_q5']
    with pytest.raises(TypeError, match='must be an EvaluatedRanking'):
        visualizer.visualize_ranked_lists(vars(ranking), topk=5)
    stored = tmp_path / 'logs' / 'vis_data' / 'vis_image'
    assert sorted(p.name for p in stored.iterdir()) == [
        'best_000_q5_7.png', 'worst_000_q4_7.png']
    picture = cv2.imread(str(stored / 'best_000_q5_7.png'))
    expected = [QUERY_COLOR] + expected_flags(dist[5].numpy(), q_pids[5],
                                              q_cams[5], g_pids, g_cams, 5)
    assert frame_colors(picture, 6) == expected
    # The visualizer's current image is the last picture, in RGB.
    assert visualizer.get_image().shape[:2] == picture.shape[:2]


def test_ranked_lists_carry_identity_names(tmp_path):
    """With names (query_names/gallery_names of tools/test.py --out) the
    picture shows them: the title and the labels under the images are the
    names, the picture is exactly the one drawn with those strings, and it
    differs from the one labelled by pid."""
    (q_feats, g_feats, q_pids, g_pids, q_cams, g_cams, q_paths,
     g_paths) = make_gallery(tmp_path, seed=2)
    words = ['alice', 'ben_0043', 'carol', 'dave', 'erin_7']
    npz = save_features(str(tmp_path / 'named.npz'), q_feats, g_feats,
                        q_pids, g_pids, q_cams, g_cams, q_paths, g_paths,
                        [words[p] for p in q_pids], [words[p] for p in g_pids])
    tool = load_script('tools/visualization/visualize_ranks.py')
    written = tool.main([npz, '--out-dir', str(tmp_path / 'named'),
                         '--topk', '4', '--num-queries', '1'])
    from mmreid_dranet.evaluation import (EvaluatedRanking, evaluate_reid,
                                          load_features)
    from mmreid_dranet.visualization.reid_visualizer import rank_title
    data = load_features(npz)
    evaluation = evaluate_reid(q_feats, g_feats, q_pids, g_pids, q_cams,
                               g_cams, return_distances=True)
    named = EvaluatedRanking.from_arrays(evaluation, data)
    query = int(osp.basename(written[0]).split('_q')[1].split('.')[0])
    tiles, labels = ReIDVisualizer.ranked_tiles(named, query, 4)
    assert labels[0] == words[q_pids[query]]
    assert set(labels[1:]) <= set(words) and len(labels) == 5
    title = rank_title(named, query)
    assert title.startswith(f'{words[q_pids[query]]} cam 0  AP ')
    expected = draw_ranked_list(*tiles, title, RankListLayout(), labels[1:],
                                labels[0])
    picture = cv2.imread(written[0])
    np.testing.assert_array_equal(picture, expected)
    # The same ranking without names: 'pid N' everywhere, other pixels.
    unnamed = EvaluatedRanking.from_arrays(
        evaluation, {k: v for k, v in data.items() if 'names' not in k})
    _, pid_labels = ReIDVisualizer.ranked_tiles(unnamed, query, 4)
    assert pid_labels[0] == f'pid {q_pids[query]}'
    assert rank_title(unnamed, query).startswith(f'pid {q_pids[query]} cam')
    by_pid = draw_ranked_list(*tiles, rank_title(unnamed, query),
                              RankListLayout(), pid_labels[1:], pid_labels[0])
    assert by_pid.shape == picture.shape
    header = RankListLayout().header
    assert (by_pid[:header] != picture[:header]).any()  # the title
    band = picture.shape[0] - RankListLayout().label
    assert (by_pid[band:] != picture[band:]).any()  # the labels


def test_long_labels_are_shortened_to_the_tile():
    from mmreid_dranet.visualization.ranked_list import fit_text
    assert fit_text('ben_0043', 70) == 'ben_0043'
    short = fit_text('a_very_long_identity_name_0001', 70)
    assert short.endswith('..') and len(short) < 20
    assert cv2.getTextSize(short, cv2.FONT_HERSHEY_SIMPLEX, 0.35,
                           1)[0][0] <= 70


def test_metric_publishes_the_names_it_was_given(tmp_path):
    """ReIDMetric hands the samples' pid_name on with its ranking, so that
    the validation pictures (ReIDVisualizationHook) show names too."""
    from mmengine.evaluator import Evaluator

    from mmreid_dranet.evaluation import ReIDMetric
    from mmreid_dranet.evaluation.metrics.published_ranking import \
        take_rankings
    words = ['alice', 'ben_0043', 'carol']
    rng = np.random.default_rng(3)
    samples = [
        dict(pred_feature=torch.from_numpy(
            rng.normal(size=4).astype(np.float32)), pid=i % 3, camid=i % 2,
             is_query=i < 3, img_path=f'{i}.jpg', pid_name=words[i % 3])
        for i in range(9)
    ]
    evaluator = Evaluator([ReIDMetric(publish_ranking=True)])
    evaluator.process(samples)
    evaluator.evaluate(len(samples))
    ranking = take_rankings()['reid']
    assert list(ranking.query_names) == words
    assert list(ranking.gallery_names) == [words[i % 3] for i in range(3, 9)]
