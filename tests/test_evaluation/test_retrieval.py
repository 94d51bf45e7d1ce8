"""The retrieval core: junk rule, sort keys, npz keys; every ranking uses
them."""
import numpy as np
import pytest
import torch

from mmreid_dranet.evaluation import (FEATURE_FILE_KEYS, GALLERY_FILE_KEYS,
                                      is_junk, is_true_match, save_features)
from mmreid_dranet.evaluation.functional.retrieval import (
    decode_distance_keys, distance_keys, index_bits)
from mmreid_dranet.evaluation.functional.search import junk_exclusion


def test_junk_and_true_match_partition_the_same_identity():
    q_pids, q_cams = np.array([[1], [2]]), np.array([[0], [1]])
    g_pids, g_cams = np.array([[1, 1, 2, 2, 3]]), np.array([[0, 1, 0, 1, 1]])
    junk = is_junk(q_pids, q_cams, g_pids, g_cams)
    match = is_true_match(q_pids, q_cams, g_pids, g_cams)
    assert junk.tolist() == [[True, False, False, False, False],
                             [False, False, False, True, False]]
    assert match.tolist() == [[False, True, False, False, False],
                              [False, False, True, False, False]]
    assert not (junk & match).any()
    # Tensors, and the exact search's exclusion, give the same mask.
    exclude = junk_exclusion(torch.tensor([1, 2]), torch.tensor([0, 1]),
                             torch.tensor([1, 1, 2, 2, 3]),
                             torch.tensor([0, 1, 0, 1, 1]))
    assert exclude(0, 2, 0, 5).tolist() == junk.tolist()
    assert exclude(1, 2, 2, 4).tolist() == [[False, True]]


def test_distance_keys_sort_like_a_stable_sort():
    rng = np.random.default_rng(0)
    dist = rng.integers(0, 5, (3, 40)).astype(np.float32) / 4
    dist[:, ::7] = -0.0  # equals +0.0
    dist[1, 3] = 1e-40  # a subnormal above 0
    col_bits = index_bits(dist.shape[1])
    assert col_bits == 6 and index_bits(1) == 1
    index = torch.arange(dist.shape[1])
    rows = torch.arange(3).unsqueeze(1).expand(3, dist.shape[1])
    keys = distance_keys(torch.from_numpy(dist), index, col_bits, rows)
    order = torch.argsort(keys.flatten()).view(3, -1) - \
        torch.arange(3).unsqueeze(1) * dist.shape[1]
    expected = np.argsort(np.abs(dist), axis=1, kind='stable')
    np.testing.assert_array_equal(order.numpy(), expected)
    # Without rows, the keys decode to the index and the distance.
    plain = distance_keys(torch.from_numpy(dist[0]), index, col_bits)
    indices, distances = decode_distance_keys(plain, col_bits)
    np.testing.assert_array_equal(indices.numpy(), np.arange(40))
    np.testing.assert_array_equal(distances.numpy(), np.abs(dist[0]))


def test_npz_keys_are_the_written_ones(tmp_path):
    path = save_features(str(tmp_path / 'f.npz'), np.zeros((2, 3)),
                         np.zeros((4, 3)), [0, 1], [0, 1, 2, 3], [0, 0],
                         [1, 1, 1, 1])
    with np.load(path) as data:
        assert sorted(data.files) == sorted(FEATURE_FILE_KEYS)
    assert GALLERY_FILE_KEYS[:-1] == tuple(
        k for k in FEATURE_FILE_KEYS if k.startswith('gallery_'))
    assert GALLERY_FILE_KEYS[-1] == 'metric'


@pytest.mark.parametrize('shape', [(5, ), (2, 3)])
def test_junk_rule_broadcasts_over_any_shape(shape):
    pids = torch.zeros(shape, dtype=torch.long)
    assert is_junk(pids, pids, pids, pids).all()
    assert not is_true_match(pids, pids, pids, pids).any()
