"""A single BN + linear identity loss over a pooled feature."""
from typing import Dict, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmreid_dranet.registry import MODELS
from ..utils import top1_accuracy
from .bn_classifier import BNClassifier


@MODELS.register_module()
class ReIDLinearHead(BaseModule):
    """Cross-entropy of a BN + linear classifier over the neck's embedding.

    The head of the global-average-pooling baseline (e.g. with mmpretrain's
    ``GlobalAveragePooling`` neck inside :class:`ReIDModel`).

    Args:
        num_classes (int): Training identities.
        in_channels (int): Length of the embedding.
        label_smoothing (float): Label smoothing, in [0, 1). Defaults to 0.
        loss_weight (float): Weight of ``loss_cls``. Defaults to 1.
        init_cfg (dict, optional): Initialisation config. Defaults to a
            normal(std=0.001) classifier init.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 label_smoothing: float = 0.0,
                 loss_weight: float = 1.0,
                 init_cfg: Optional[dict] = dict(
                     type='Normal', layer='Linear', std=0.001)):
        super().__init__(init_cfg=init_cfg)
        if num_classes < 1:
            raise ValueError('ReIDLinearHead: num_classes must be >= 1, got '
                             f'{num_classes!r}.')
        if not 0 <= label_smoothing < 1:
            raise ValueError('ReIDLinearHead: label_smoothing must be in '
                             f'[0, 1), got {label_smoothing!r}.')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.label_smoothing = label_smoothing
        self.loss_weight = loss_weight
        self.classifier = BNClassifier(in_channels, num_classes)

    def forward(self, feats: Union[Sequence[torch.Tensor], torch.Tensor]
                ) -> torch.Tensor:
        """Identity logits, N x num_classes, of the last neck output."""
        feature = feats if isinstance(feats, torch.Tensor) else feats[-1]
        return self.classifier(feature)

    def loss(self, feats: Union[Sequence[torch.Tensor], torch.Tensor],
             gt_labels: torch.Tensor) -> Dict[str, torch.Tensor]:
        """``loss_cls`` and the top-1 training accuracy ``acc_cls`` (%).

        Args:
            feats (tuple[Tensor] | Tensor): Neck outputs; the last,
                N x in_channels, is classified.
            gt_labels (Tensor): N labels in [0, num_classes).
        """
        logits = self(feats)
        loss = F.cross_entropy(logits, gt_labels,
                               label_smoothing=self.label_smoothing)
        with torch.no_grad():
            accuracy = top1_accuracy(logits, gt_labels)
        return dict(loss_cls=self.loss_weight * loss, acc_cls=accuracy)
