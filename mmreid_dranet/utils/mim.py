"""Make ``_base_ = 'mmreid_dranet::...'`` configs resolve in mmengine 0.10.x.

Two gaps, both closed for this package's name only:

- mmengine resolves ``pkg::path`` only for packages in its
  ``MODULE2PACKAGE`` table (OpenMMLab's own): we add ours.
- mmengine's ``get_installed_path`` assumes the package folder sits beside
  its ``dist-info``. A PEP 660 editable install (today's ``pip install -e
  .``) keeps the code in the checkout, so the path it returns does not exist.
  For ``mmreid_dranet`` we answer with the folder of the imported package,
  which is right for every kind of install; other names go to mmengine's
  function unchanged.
"""
import os.path as osp

PACKAGE = 'mmreid_dranet'


def _package_dir():
    return osp.dirname(osp.dirname(osp.abspath(__file__)))


def register_mim_package():
    """Teach mmengine's config loader where our configs live. Idempotent."""
    import mmengine.config.config as config_module
    from mmengine.config.utils import MODULE2PACKAGE

    MODULE2PACKAGE.setdefault(PACKAGE, PACKAGE)
    original = config_module.get_installed_path
    if getattr(original, 'mmreid_dranet_aware', False):
        return

    def get_installed_path(package):
        if package == PACKAGE:
            return _package_dir()
        return original(package)

    get_installed_path.mmreid_dranet_aware = True
    config_module.get_installed_path = get_installed_path
