"""Models of mmreid_dranet; importing this fills the MODELS registry."""
from .backbones import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .reid import ReIDModel

__all__ = ['ReIDModel']
