"""The CPU product chosen by measurement, and each branch forced."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from mmreid_dranet.evaluation import compute_distance, evaluate_reid
from mmreid_dranet.evaluation.functional import products
from mmreid_dranet.evaluation.functional.products import (PRODUCT_ENV_VAR,
                                                          PRODUCTS,
                                                          faster_product,
                                                          inner_products,
                                                          product_choice)

ONEDNN = products._onednn_matmul_works()


def _features(rows, dim=96, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(rows, dim, generator=gen)


@pytest.mark.parametrize('product', PRODUCTS)
@pytest.mark.parametrize('with_bias', [False, True])
def test_each_forced_product_matches_addmm(product, with_bias):
    if product == 'mkldnn' and not ONEDNN:
        with pytest.raises(RuntimeError, match='_linear_pointwise'):
            inner_products(_features(3), _features(4), product=product)
        return
    query, gallery = _features(67, seed=1), _features(301, seed=2)
    bias = _features(1, dim=301, seed=3)[0] if with_bias else None
    expected = (torch.addmm(bias.unsqueeze(0), query, gallery.t())
                if with_bias else torch.mm(query, gallery.t()))
    got = inner_products(query, gallery, bias=bias, product=product)
    assert got.dtype == torch.float32 and got.shape == (67, 301)
    if product == 'mm':
        assert torch.equal(got, expected)  # it is torch's own product
    else:
        # float32 rounding of a 96-term sum of products of unit gaussians
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=2e-5)


@pytest.mark.parametrize('product', PRODUCTS)
def test_the_environment_variable_forces_a_branch(product, monkeypatch):
    monkeypatch.setenv(PRODUCT_ENV_VAR, product)
    if product == 'mkldnn' and not ONEDNN:
        with pytest.raises(RuntimeError, match=PRODUCT_ENV_VAR):
            product_choice()
        return
    choice = product_choice()
    assert (choice.product, choice.reason) == (product, 'forced')
    query, gallery = _features(40, seed=4), _features(90, seed=5)
    assert torch.equal(inner_products(query, gallery),
                       inner_products(query, gallery, product=product))


def test_both_branches_give_the_same_evaluation(monkeypatch):
    gen = np.random.default_rng(0)
    centres = gen.standard_normal((30, 64)).astype(np.float32)
    q_pids, g_pids = gen.integers(0, 30, 80), gen.integers(0, 30, 600)
    q_feats = centres[q_pids] + gen.standard_normal((80, 64), np.float32)
    g_feats = centres[g_pids] + gen.standard_normal((600, 64), np.float32)
    q_cams, g_cams = gen.integers(0, 4, 80), gen.integers(0, 4, 600)
    results, distances = {}, {}
    for product in PRODUCTS if ONEDNN else ('mm', ):
        monkeypatch.setenv(PRODUCT_ENV_VAR, product)
        results[product] = evaluate_reid(q_feats, g_feats, q_pids, g_pids,
                                         q_cams, g_cams,
                                         chunk_size=16).metrics
        distances[product] = compute_distance(torch.from_numpy(q_feats),
                                              torch.from_numpy(g_feats))
    q, g = torch.from_numpy(q_feats).double(), torch.from_numpy(g_feats)
    exact = torch.cdist(q, g.double()).pow(2)
    for product, dist in distances.items():
        torch.testing.assert_close(dist.double(), exact, rtol=1e-5,
                                   atol=1e-3)
    reference = results.pop('mm')
    for result in results.values():
        for key, value in reference.items():
            assert result[key] == pytest.approx(value, abs=1e-9), key


def test_the_measured_choice_is_cached_and_explained(monkeypatch):
    monkeypatch.delenv(PRODUCT_ENV_VAR, raising=False)
    first = product_choice()
    assert first.product in PRODUCTS
    assert first.num_threads == torch.get_num_threads()
    if ONEDNN:
        assert first.reason == 'measured'
        assert set(first.seconds) == set(PRODUCTS)
        assert all(t > 0 for t in first.seconds.values())
    else:
        assert (first.product, first.reason) == ('mm', 'oneDNN unavailable')
    assert product_choice() == first
    if ONEDNN:
        assert product_choice() is first  # measured once, not per call
    query, gallery = _features(30, seed=6), _features(50, seed=7)
    assert torch.equal(inner_products(query, gallery),
                       inner_products(query, gallery,
                                      product=first.product))


def test_oneDNN_only_when_clearly_faster():
    assert faster_product([1.0, 1.0, 1.0], [0.5, 0.6, 0.7]) == 'mkldnn'
    # within the margin, or slower: torch's own product
    assert faster_product([1.0, 1.0, 1.0], [0.95, 0.92, 0.91]) == 'mm'
    assert faster_product([1.0, 1.0, 1.0], [1.3, 1.2, 1.2]) == 'mm'
    # one pair disturbed by a load spike does not decide
    assert faster_product([1.0, 1.0, 5.0], [1.2, 1.2, 1.2]) == 'mm'
    assert faster_product([1.0, 1.0, 1.0], [0.5, 0.5, 9.0]) == 'mkldnn'
    # pairs are compared, not the sums: load changed between pairs
    assert faster_product([1.0, 3.0, 3.0], [0.7, 2.0, 2.1]) == 'mkldnn'


def test_a_bad_product_name_is_named(monkeypatch):
    monkeypatch.setenv(PRODUCT_ENV_VAR, 'blas')
    with pytest.raises(ValueError, match=f"{PRODUCT_ENV_VAR}.*'blas'"):
        inner_products(_features(2), _features(3))
    with pytest.raises(ValueError, match="product.*'onednn'"):
        inner_products(_features(2), _features(3), product='onednn')


def test_other_dtypes_and_devices_use_torch_mm(monkeypatch):
    monkeypatch.setenv(PRODUCT_ENV_VAR, 'mkldnn' if ONEDNN else 'mm')
    query, gallery = _features(9).double(), _features(11).double()
    assert torch.equal(inner_products(query, gallery),
                       torch.mm(query, gallery.t()))


@pytest.mark.skipif(not os.path.exists('/proc/self/clear_refs'),
                    reason='peak RSS reset needs Linux')
def test_squared_norms_hold_one_block_beyond_their_input():
    # Issue 18: fresh blocks of squares, with each block's sum kept alive
    # in between, grew glibc's heap by a block per block (a gallery's
    # worth); in a fresh process, as a user's first call would run.
    script = textwrap.dedent('''
        import gc
        import numpy as np
        import torch
        from mmreid_dranet.evaluation.functional.inputs import squared_norms

        def kib(field):
            with open('/proc/self/status') as f:
                for line in f:
                    if line.startswith(field + ':'):
                        return int(line.split()[1])

        rng = np.random.default_rng(0)
        feats = torch.from_numpy(
            rng.standard_normal((40000, 1024), dtype=np.float32))
        gc.collect()
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        base = kib('VmRSS')
        norms = squared_norms(feats)
        print((kib('VmHWM') - base) / 1024)
        assert torch.equal(norms, feats.pow(2).sum(dim=1))
        ''')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run([sys.executable, '-c', script], check=True,
                         capture_output=True, text=True, env=env)
    extra_mib = float(out.stdout.split()[-1])
    # 160 MiB of features, 16 MiB blocks: before the fix about 130 MiB
    assert extra_mib < 48, extra_mib
