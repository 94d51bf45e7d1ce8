"""Fixtures shared by every test folder.

``synthetic_market_root``: a small synthetic data set in the Market-1501
layout (real JPEG files), written once per test session (per xdist worker).
``two_roots``: two small synthetic data sets (for joint training sets).
``write_image``: writes one small real image file (JPEG or PNG by suffix).
Helper functions shared by tests live in ``tests/helpers/``.
"""
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmreid_dranet.datasets import make_synthetic_market

# Small enough to write in well under a second, big enough for P x K batches
# (8 train identities, each in 2-3 of 3 cameras with 2-3 images per camera).
SYNTHETIC_MARKET_SETTINGS = dict(
    num_train_ids=8, num_test_ids=6, num_cams=3, cams_per_id=(2, 3),
    images_per_cam=(2, 3), num_distractors=4, num_junk=2, seed=0)


@pytest.fixture(scope='session')
def synthetic_market_root(tmp_path_factory) -> str:
    """Root of a small synthetic Market-1501-layout data set (read-only).

    Settings: ``SYNTHETIC_MARKET_SETTINGS`` above; images 128 x 64.
    """
    root = str(tmp_path_factory.mktemp('synthetic_market'))
    make_synthetic_market(root, **SYNTHETIC_MARKET_SETTINGS)
    return root


@pytest.fixture(scope='session')
def two_roots(tmp_path_factory) -> list:
    """Roots of two small synthetic Market-layout data sets (6 and 5 train
    identities, seeds 0 and 1), for joint training sets (read-only)."""
    roots = []
    for seed, num_ids in ((0, 6), (1, 5)):
        root = str(tmp_path_factory.mktemp(f'joint{seed}'))
        make_synthetic_market(root, num_train_ids=num_ids, num_test_ids=2,
                              num_cams=3, cams_per_id=(2, 2),
                              images_per_cam=(2, 2), num_distractors=0,
                              num_junk=0, seed=seed)
        roots.append(root)
    return roots


@pytest.fixture
def write_image():
    """A function ``write_image(path, height=16, width=8, seed=0)`` that
    writes a random-colour image (format from the suffix) and returns its
    pixels as cv2 reads them back."""

    def write(path, height=16, width=8, seed=0):
        os.makedirs(osp.dirname(str(path)), exist_ok=True)
        rng = np.random.default_rng(seed)
        img = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        assert cv2.imwrite(str(path), img), path
        return cv2.imread(str(path))

    return write
