"""tools/analysis_tools/compare_ranks.py: the queries where two models'
APs differ most, each as two ranked lists with correct frames."""
import os.path as osp

import cv2
import numpy as np
import pytest

from mmreid_dranet.evaluation import save_features
from mmreid_dranet.visualization import RankListLayout
from mmreid_dranet.visualization.ranked_list import (MATCH_COLOR,
                                                     MISMATCH_COLOR,
                                                     QUERY_COLOR)
from tests.helpers.pixels import frame_colors
from tests.helpers.scripts import load_script

NUM_QUERY, NUM_GALLERY, DIM = 8, 24, 6

TOOL = load_script('tools/analysis_tools/compare_ranks.py')


def write_split(tmp_path):
    """Images and labels of one query/gallery split (128 x 64 JPEGs)."""
    rng = np.random.default_rng(0)
    q_pids = np.arange(NUM_QUERY) % 5
    g_pids = np.concatenate([np.arange(5), rng.integers(0, 6,
                                                        NUM_GALLERY - 5)])
    q_cams = np.zeros(NUM_QUERY, int)
    g_cams = rng.integers(0, 3, NUM_GALLERY)
    paths = []
    for name in [f'q{i}' for i in range(NUM_QUERY)] + [
            f'g{i}' for i in range(NUM_GALLERY)]:
        path = str(tmp_path / f'{name}.jpg')
        cv2.imwrite(path, rng.integers(0, 255, (128, 64, 3), np.uint8))
        paths.append(path)
    return q_pids, g_pids, q_cams, g_cams, paths[:NUM_QUERY], paths[
        NUM_QUERY:]


def save_model(tmp_path, name, seed, split):
    q_pids, g_pids, q_cams, g_cams, q_paths, g_paths = split
    rng = np.random.default_rng(seed)
    q_feats = rng.normal(size=(NUM_QUERY, DIM)).astype(np.float32)
    g_feats = rng.normal(size=(NUM_GALLERY, DIM)).astype(np.float32)
    return save_features(str(tmp_path / name), q_feats, g_feats, q_pids,
                         g_pids, q_cams, g_cams, q_paths, g_paths), (q_feats,
                                                                     g_feats)


def reference_ranking(q_feats, g_feats, split):
    """Per query: kept gallery order (stable), match flags, AP (plain)."""
    q_pids, g_pids, q_cams, g_cams = split[:4]
    dist = np.sqrt(((q_feats[:, None] - g_feats[None])**2).sum(-1))
    orders, aps = [], []
    for q in range(NUM_QUERY):
        order = [g for g in np.argsort(dist[q], kind='stable')
                 if not (g_pids[g] == q_pids[q] and g_cams[g] == q_cams[q])]
        matches = np.array([g_pids[g] == q_pids[q] for g in order])
        hits = np.flatnonzero(matches)
        aps.append(np.mean([(k + 1) / (rank + 1)
                            for k, rank in enumerate(hits)])
                   if len(hits) else np.nan)
        orders.append(matches)
    return orders, np.array(aps)


@pytest.mark.parametrize('direction', ['both', 'a'])
def test_compare_picks_largest_ap_differences_and_frames_matches(
        tmp_path, direction):
    split = write_split(tmp_path)
    file_a, feats_a = save_model(tmp_path, 'a.npz', 1, split)
    file_b, feats_b = save_model(tmp_path, 'b.npz', 2, split)
    flags_a, ap_a = reference_ranking(*feats_a, split)
    flags_b, ap_b = reference_ranking(*feats_b, split)
    gap = ap_a - ap_b
    candidates = [q for q in np.argsort(-np.abs(gap), kind='stable')
                  if not np.isnan(gap[q])]
    if direction == 'a':
        candidates = [q for q in candidates if gap[q] > 0]
    expected = candidates[:3]
    assert len(expected) == 3 and np.abs(gap[expected[0]]) > 0

    written = TOOL.main([file_a, file_b, '--out-dir', str(tmp_path / 'cmp'),
                         '--num-queries', '3', '--topk', '5', '--names', 'A',
                         'B', '--direction', direction])
    assert [osp.basename(p) for p in written] == [
        f'{n:03d}_q{q}.png' for n, q in enumerate(expected)]
    layout = RankListLayout()
    row_height = layout.canvas_size(5, labelled=True)[0]
    for path, query in zip(written, expected):
        picture = cv2.imread(path)
        assert picture.shape[0] == 2 * row_height + 6
        for top, flags in ((0, flags_a[query]), (row_height + 6,
                                                 flags_b[query])):
            assert frame_colors(picture, 6, layout, top) == [QUERY_COLOR] + [
                MATCH_COLOR if f else MISMATCH_COLOR for f in flags[:5]]


def test_compare_refuses_files_of_different_splits(tmp_path):
    split = write_split(tmp_path)
    file_a, _ = save_model(tmp_path, 'a.npz', 1, split)
    other = list(split)
    other[4] = list(reversed(split[4]))  # the queries in another order
    file_b, _ = save_model(tmp_path, 'b.npz', 2, other)
    with pytest.raises(SystemExit, match='query_paths differ'):
        TOOL.main([file_a, file_b, '--out-dir', str(tmp_path / 'cmp')])
