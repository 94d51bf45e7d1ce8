from .finite_loss_hook import FiniteLossHook
from .num_classes_check_hook import NumClassesCheckHook
from .reid_visualization_hook import ReIDVisualizationHook
from .sampler_batch_check_hook import SamplerBatchCheckHook

__all__ = [
    'FiniteLossHook', 'NumClassesCheckHook', 'ReIDVisualizationHook',
    'SamplerBatchCheckHook'
]
