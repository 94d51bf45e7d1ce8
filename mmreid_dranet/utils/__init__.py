from .checkpoint import (allow_mmengine_checkpoint_globals,
                         load_checkpoint_safely)
from .setup_env import register_all_modules

__all__ = [
    'allow_mmengine_checkpoint_globals', 'load_checkpoint_safely',
    'register_all_modules'
]
