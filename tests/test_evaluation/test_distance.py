import platform

import numpy as np
import pytest
import torch

from mmreid_dranet.evaluation import PairwiseDistance, compute_distance
from mmreid_dranet.evaluation.functional import products as products_module
from mmreid_dranet.evaluation.functional.distance import inner_products
from mmreid_dranet.evaluation.functional.inputs import as_feature_tensor


def _features(rows, dim=48, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(rows, dim, generator=gen)


def test_onednn_product_is_used_where_torch_ships_it():
    # The speed of the CPU evaluation rests on this path: a torch upgrade
    # that drops or breaks the op should fail here, not silently slow down.
    ships_op = (torch.backends.mkldnn.is_available()
                and hasattr(torch.ops.mkldnn, '_linear_pointwise'))
    if platform.machine().lower() in ('x86_64', 'amd64'):
        assert ships_op, 'the x86-64 torch wheels ship oneDNN'
    assert products_module._onednn_matmul_works() == ships_op


@pytest.mark.parametrize('with_bias', [False, True])
def test_inner_products_against_float64(with_bias):
    query, gallery = _features(37, seed=1), _features(129, seed=2)
    bias = _features(1, dim=129, seed=3)[0] if with_bias else None
    expected = query.double() @ gallery.double().t()
    if with_bias:
        expected += bias.double()
    got = inner_products(query, gallery, bias=bias)
    assert got.dtype == torch.float32 and got.shape == (37, 129)
    torch.testing.assert_close(got.double(), expected, rtol=1e-5, atol=1e-4)


def test_inner_products_of_strided_views_and_other_dtypes():
    base = _features(64, seed=4)
    query = base[::2]  # not contiguous
    gallery = _features(50, seed=5)
    torch.testing.assert_close(inner_products(query, gallery),
                               torch.mm(query, gallery.t()), rtol=1e-5,
                               atol=1e-4)
    double = inner_products(query.double(), gallery.double())
    assert double.dtype == torch.float64
    assert torch.equal(double, torch.mm(query.double(), gallery.double().t()))
    assert inner_products(query[:0], gallery).shape == (0, 50)


def test_gallery_rows_give_the_columns_of_the_whole_gallery():
    # ReIDGallery searches a gallery block by block and must rank exactly
    # as evaluate_reid does on the whole gallery.
    query, gallery = _features(96, dim=256, seed=6), _features(
        700, dim=256, seed=7)
    whole = compute_distance(query, gallery)
    for start, end in ((0, 300), (300, 700), (123, 456)):
        assert torch.equal(compute_distance(query, gallery[start:end]),
                           whole[:, start:end])


@pytest.mark.parametrize('metric', ['euclidean', 'cosine'])
def test_distances_against_their_formula(metric):
    query, gallery = _features(20, seed=8), _features(30, seed=9)
    q, g = query.double(), gallery.double()
    if metric == 'euclidean':
        expected = torch.cdist(q, g).pow(2)
    else:
        expected = 1 - (q / q.norm(dim=1, keepdim=True)) @ (
            g / g.norm(dim=1, keepdim=True)).t()
    got = compute_distance(query, gallery, metric)
    assert (got >= 0).all()
    torch.testing.assert_close(got.double(), expected, rtol=1e-5, atol=1e-4)


def test_float32_features_are_not_copied():
    array = np.random.default_rng(0).standard_normal((6, 5), np.float32)
    tensor = as_feature_tensor(array, 'feats')
    assert tensor.data_ptr() == array.ctypes.data
    assert as_feature_tensor(tensor, 'feats').data_ptr() == tensor.data_ptr()


def test_float16_and_strided_features_give_the_same_distances():
    rng = np.random.default_rng(1)
    query = rng.standard_normal((20, 48)).astype(np.float16)
    gallery = rng.standard_normal((70, 48)).astype(np.float16)
    expected = compute_distance(torch.from_numpy(query).float(),
                                torch.from_numpy(gallery).float())
    # float16 becomes row-major float32 in one copy
    half = as_feature_tensor(np.asfortranarray(gallery), 'gallery_feats')
    assert half.dtype == torch.float32 and half.is_contiguous()
    # a strided float32 gallery is made contiguous once, for every block
    strided = torch.from_numpy(np.asfortranarray(gallery.astype(np.float32)))
    distance = PairwiseDistance(strided)
    assert distance.gallery.is_contiguous()
    for got in (compute_distance(as_feature_tensor(query, 'q'), half),
                distance(torch.from_numpy(query).float())):
        assert torch.equal(got, expected)
