from .hooks import *  # noqa: F401,F403
from .runner import ReIDRunner, complete_reid_config

__all__ = ['ReIDRunner', 'complete_reid_config']
