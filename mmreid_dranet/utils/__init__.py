from .checkpoint import (IncompleteCheckpointError,
                         allow_mmengine_checkpoint_globals,
                         check_checkpoint_complete, find_resume_checkpoint,
                         finished_run_message, load_checkpoint_safely)
from .config import (build_runner, configure_device, load_config,
                     set_data_root, set_work_dir)
from .distributed import release_process_group
from .setup_env import register_all_modules

__all__ = [
    'IncompleteCheckpointError', 'allow_mmengine_checkpoint_globals',
    'check_checkpoint_complete', 'find_resume_checkpoint',
    'finished_run_message', 'load_checkpoint_safely',
    'build_runner', 'configure_device', 'load_config', 'set_data_root',
    'set_work_dir', 'register_all_modules', 'release_process_group'
]
