"""Read ``_base_ = 'mmreid_dranet::...'`` configs with mmengine 0.10.x.

mmengine resolves ``pkg::path`` in ``mmengine.config.Config._get_cfg_path``
(and ``pkg.module`` in new-style ``read_base`` configs) with two module
globals, and neither knows this package:

- ``mmengine.config.utils.MODULE2PACKAGE`` lists the packages whose configs
  may be named (OpenMMLab's own); ``_get_package_and_cfg_path`` refuses any
  other;
- ``mmengine.config.config.get_installed_path`` assumes the package folder
  sits beside its ``dist-info``. A PEP 660 editable install (``pip install
  -e .``) keeps the code in the checkout, so the path it returns does not
  exist there (and a checkout on ``PYTHONPATH`` next to an installed copy
  would be answered with the installed copy).

:func:`mim_configs` adds both for the duration of a ``with`` block and puts
mmengine's own back afterwards; importing ``mmreid_dranet`` changes
neither. Our tools and :func:`mmreid_dranet.apis.init_model` read configs
through :func:`mmreid_dranet.utils.load_config`, which uses it. A user's own
code that reads a config naming ``mmreid_dranet::`` does the same::

    from mmreid_dranet.utils import load_config
    cfg = load_config('my_config.py')

or keeps mmengine's call inside the block::

    from mmengine.config import Config
    from mmreid_dranet.utils.mim import mim_configs
    with mim_configs():
        cfg = Config.fromfile('my_config.py')

The configs themselves are found under ``mmreid_dranet/.mim/configs``
(``setup.py`` puts them there: links for an editable install, copies for a
wheel). The replacement is not thread-safe: read configs from one thread at
a time, as mmengine's loader itself assumes.
"""
import contextlib
import os.path as osp
from typing import Iterator

# This package's import name (``mmreid_dranet``), as configs spell it.
PACKAGE = __name__.split('.')[0]


def package_dir() -> str:
    """The folder of the imported ``mmreid_dranet`` package (right for
    every kind of install)."""
    return osp.dirname(osp.dirname(osp.abspath(__file__)))


@contextlib.contextmanager
def mim_configs() -> Iterator[None]:
    """Let mmengine resolve ``mmreid_dranet::`` inside the block.

    On exit ``MODULE2PACKAGE`` and ``get_installed_path`` are exactly what
    they were before, also when the block raises.
    """
    import mmengine.config.config as config_module
    from mmengine.config.utils import MODULE2PACKAGE

    original = config_module.get_installed_path
    had_entry = PACKAGE in MODULE2PACKAGE
    previous_entry = MODULE2PACKAGE.get(PACKAGE)

    def get_installed_path(package: str) -> str:
        if package == PACKAGE:
            return package_dir()
        return original(package)

    MODULE2PACKAGE[PACKAGE] = PACKAGE
    config_module.get_installed_path = get_installed_path
    try:
        yield
    finally:
        config_module.get_installed_path = original
        if had_entry:
            MODULE2PACKAGE[PACKAGE] = previous_entry
        else:
            MODULE2PACKAGE.pop(PACKAGE, None)
