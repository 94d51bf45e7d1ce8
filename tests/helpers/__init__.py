"""Helpers shared by the tests, imported as ``tests.helpers``.

pytest.ini puts the repository root on ``sys.path`` (``pythonpath = .``),
so ``from tests.helpers import ...`` works with ``--import-mode=importlib``
and under xdist. Test modules import only from here, never from each other.
"""
import os.path as osp

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# The demo config shrunk for tests (tiny widths, few epochs).
TINY_CONFIG = osp.join(REPO, 'tests', 'test_e2e', 'tiny_demo_config.py')
