"""Losses of the ``mmreid_dranet`` scope.

Cross-entropy is mmpretrain's: its ``CrossEntropyLoss`` is registered here
under the same name (the class itself, not a copy), so configs of this
scope write ``type='CrossEntropyLoss'``; ``LabelSmoothLoss`` is mmpretrain's
with the label check left to the data preprocessor (no per-step sync).
"""
from mmpretrain.models.losses import CrossEntropyLoss

from mmreid_dranet.registry import MODELS
from .builder import build_loss, build_metric_losses, loss_key
from .center_loss import CenterLoss
from .circle_loss import CircleLoss
from .label_smooth_loss import LabelSmoothLoss
from .triplet_loss import TripletLoss, identity_counts, pairwise_distance

MODELS.register_module(name='CrossEntropyLoss', module=CrossEntropyLoss)

__all__ = [
    'CenterLoss', 'CircleLoss', 'CrossEntropyLoss', 'LabelSmoothLoss',
    'TripletLoss', 'build_loss', 'build_metric_losses', 'identity_counts',
    'loss_key', 'pairwise_distance'
]
