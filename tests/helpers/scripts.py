"""Load a command-line script (tools/, demo/) as a module.

The scripts are not in a package, so tests load them from their file to
call their functions (``main``, ``parse_args``, ...) in-process.
"""
import importlib.util
import os.path as osp
from types import ModuleType

from tests.helpers import REPO


def load_script(relative_path: str) -> ModuleType:
    """The script ``REPO/relative_path`` (e.g. ``'tools/misc/x.py'``),
    executed as a fresh module named after its file."""
    path = osp.join(REPO, relative_path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'no script {path}')
    name = osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
