"""The ground floor: helpers that import no domain package of
``mmreid_dranet`` (only torch, numpy and mmengine), so that models, engine,
apis and tools can all use them."""
from .checkpoint import (IncompleteCheckpointError, check_checkpoint_complete,
                         checkpoint_reading, find_resume_checkpoint,
                         finished_run_message, load_checkpoint_safely,
                         num_classes_from_checkpoint)
from .config import (build_runner, configure_device, load_config,
                     set_data_root, set_work_dir)
from .distributed import release_process_group
from .mim import mim_configs
from .provenance import (EmbeddingProvenance, ProvenanceMismatchError,
                         file_sha256)

__all__ = [
    'IncompleteCheckpointError', 'check_checkpoint_complete',
    'checkpoint_reading', 'find_resume_checkpoint', 'finished_run_message',
    'load_checkpoint_safely', 'num_classes_from_checkpoint', 'build_runner',
    'configure_device', 'load_config', 'mim_configs', 'release_process_group',
    'set_data_root', 'set_work_dir', 'EmbeddingProvenance',
    'ProvenanceMismatchError', 'file_sha256'
]
