"""mmreid_dranet: person re-identification with DRANet for OpenMMLab.

Importing the package changes no other library's state: checkpoints are
read with :func:`mmreid_dranet.utils.checkpoint_reading` around each load,
and ``mmreid_dranet::`` configs with :func:`mmreid_dranet.utils.load_config`.
"""
from .version import __version__, version_info

# The inference API is imported on first use (`from mmreid_dranet import
# ReIDInferencer`), so that `import mmreid_dranet` stays light.
_LAZY_APIS = ('ReIDInferencer', 'ReIDGallery', 'init_model')

__all__ = ['__version__', 'version_info', *_LAZY_APIS]


def __getattr__(name):
    if name in _LAZY_APIS:
        from . import apis
        return getattr(apis, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
