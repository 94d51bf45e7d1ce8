"""Fixtures of the inference tests: a tiny checkpoint and the embeddings
``tools/test.py --out`` computes with it on the synthetic data set."""
import os
import os.path as osp
import subprocess
import sys

import pytest

from tests.helpers import tiny_model as _tiny
from tests.helpers.tiny_model import FLIP_L2, REPO, TINY_CONFIG


@pytest.fixture(scope='session')
def tiny():
    """The ``tests.helpers.tiny_model`` module (TINY_CONFIG, FLIP_L2,
    REPO, ...)."""
    return _tiny


@pytest.fixture(scope='session')
def tiny_checkpoint(tmp_path_factory) -> str:
    return _tiny.save_tiny_checkpoint(
        str(tmp_path_factory.mktemp('tiny_ckpt') / 'tiny.pth'))


@pytest.fixture(scope='session')
def test_out_npz(tiny_checkpoint, synthetic_market_root,
                 tmp_path_factory) -> str:
    """The npz of ``tools/test.py --out`` (flip and L2 on), run as a user
    runs it."""
    work = tmp_path_factory.mktemp('test_out')
    out = str(work / 'feats.npz')
    options = [f'{k}={v}' for k, v in FLIP_L2.items()]
    result = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'test.py'), TINY_CONFIG,
         tiny_checkpoint, '--data-root', synthetic_market_root, '--out', out,
         '--work-dir', str(work), '--cfg-options', *options],
        cwd=REPO, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[
        -3000:]
    return out


@pytest.fixture(scope='session')
def inferencer(tiny_checkpoint):
    """ReIDInferencer of the tiny checkpoint with flip and L2 on."""
    from mmreid_dranet.apis import ReIDInferencer
    return ReIDInferencer(TINY_CONFIG, tiny_checkpoint, device='cpu',
                          cfg_options=FLIP_L2)


# Word names of the identity-folder tests (plain words and name_number).
IDENTITY_NAMES = ['alice', 'ben_0043', 'carol', 'dave', 'erin_7', 'frank',
                  'grace', 'heidi', 'ivan', 'judy']


@pytest.fixture(scope='session')
def identity_root(synthetic_market_root, tmp_path_factory) -> str:
    """The synthetic test split as a user's own data: query/<name>/ and
    gallery/<name>/ identity folders, named by ``IDENTITY_NAMES``."""
    from tests.helpers.named_data import named_folders_from_market
    root = str(tmp_path_factory.mktemp('identity_folders'))
    named_folders_from_market(synthetic_market_root, root, IDENTITY_NAMES,
                              parts=('query', 'gallery'))
    return root
