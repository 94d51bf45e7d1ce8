"""mmreid_dranet: person re-identification with DRANet for OpenMMLab."""
from .utils.checkpoint import allow_mmengine_checkpoint_globals
from .utils.mim import register_mim_package
from .version import __version__, version_info

# `_base_ = 'mmreid_dranet::...'` works once the package is imported.
register_mim_package()

# mmengine 0.10.7 resumes with torch.load's safe unpickler (torch >= 2.6):
# teach it the few objects an mmengine checkpoint holds, and nothing more.
allow_mmengine_checkpoint_globals()

__all__ = ['__version__', 'version_info']
