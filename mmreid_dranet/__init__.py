"""mmreid_dranet: person re-identification with DRANet for OpenMMLab."""
from mmengine.config.utils import MODULE2PACKAGE

from .utils.checkpoint import allow_mmengine_checkpoint_globals
from .version import __version__, version_info

# mmengine 0.10.x resolves `_base_ = 'pkg::path'` only for packages in this
# table (OpenMMLab's own); importing mmreid_dranet adds us to it.
MODULE2PACKAGE.setdefault('mmreid_dranet', 'mmreid_dranet')

# mmengine 0.10.7 resumes with torch.load's safe unpickler (torch >= 2.6):
# teach it the few objects an mmengine checkpoint holds, and nothing more.
allow_mmengine_checkpoint_globals()

__all__ = ['__version__', 'version_info']
