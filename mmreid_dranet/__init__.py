"""mmreid_dranet: person re-identification with DRANet for OpenMMLab."""
from .utils.checkpoint import allow_mmengine_checkpoint_globals
from .utils.mim import register_mim_package
from .version import __version__, version_info

# `_base_ = 'mmreid_dranet::...'` works once the package is imported.
register_mim_package()

# mmengine 0.10.7 resumes with torch.load's safe unpickler (torch >= 2.6):
# teach it the few objects an mmengine checkpoint holds, and nothing more.
allow_mmengine_checkpoint_globals()

# The inference API is imported on first use (`from mmreid_dranet import
# ReIDInferencer`), so that `import mmreid_dranet` stays light.
_LAZY_APIS = ('ReIDInferencer', 'ReIDGallery', 'init_model')

__all__ = ['__version__', 'version_info', *_LAZY_APIS]


def __getattr__(name):
    if name in _LAZY_APIS:
        from . import apis
        return getattr(apis, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
