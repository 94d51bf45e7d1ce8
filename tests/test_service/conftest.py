"""Fixtures of the search service tests: the tiny model, a few real JPEG
files of the synthetic data set, and services over fresh stores."""
import os
import os.path as osp

import pytest

from tests.helpers.tiny_model import FLIP_L2, TINY_CONFIG, save_tiny_checkpoint


@pytest.fixture(scope='session')
def tiny_checkpoint(tmp_path_factory) -> str:
    return save_tiny_checkpoint(
        str(tmp_path_factory.mktemp('service_ckpt') / 'tiny.pth'))


@pytest.fixture(scope='session')
def inferencer(tiny_checkpoint):
    """ReIDInferencer of the tiny checkpoint (flip and L2 on)."""
    from mmreid_dranet.apis import ReIDInferencer
    return ReIDInferencer(TINY_CONFIG, tiny_checkpoint, device='cpu',
                          cfg_options=FLIP_L2)


@pytest.fixture(scope='session')
def person_images(synthetic_market_root) -> list:
    """Twelve real JPEG files (128 x 64) of the synthetic gallery, sorted."""
    folder = osp.join(synthetic_market_root, 'bounding_box_test')
    names = sorted(n for n in os.listdir(folder) if n.endswith('.jpg'))
    return [osp.join(folder, n) for n in names[:12]]


@pytest.fixture
def make_service(inferencer, tmp_path):
    """``make_service(folder=None, **kwargs)``: a SearchService over a store
    folder (a fresh one by default); closed after the test."""
    from mmreid_dranet.service import GalleryStore, SearchService
    made = []

    def make(folder=None, threshold=None, search='memory', metric='euclidean'):
        store = GalleryStore(folder or str(tmp_path / 'store'),
                             inferencer.provenance, metric)
        made.append(store)
        return SearchService(inferencer, store, threshold, search)

    yield make
    for store in made:
        store.close()
