"""A single identity classifier over a pooled feature (+ metric losses)."""
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModule

from mmreid_dranet.registry import MODELS
from ..losses import build_loss, build_metric_losses, loss_key
from ..utils import top1_accuracy
from .bn_classifier import BNClassifier

Feats = Union[Sequence[torch.Tensor], torch.Tensor]


@MODELS.register_module()
class ReIDLinearHead(BaseModule):
    """Identity loss of a (BN +) linear classifier, optional metric losses.

    The head of the global-pooling baselines inside :class:`ReIDModel`:

    - with mmpretrain's ``GlobalAveragePooling`` neck (one output), the
      classifier is BN + bias-free linear over the pooled feature and the
      metric losses see the pooled feature;
    - with :class:`BNNeck` (the BoT baseline; its training output is
      ``(feature, bn_feature)``), the neck has done the BN and hands
      ``with_bn=False``: the classifier is the bias-free linear over
      ``bn_feature`` and the metric losses (triplet, center) see the
      ``feature`` before the BN, as BoT trains them.

    That is: the metric losses take the first neck output, the classifier
    the last.

    Args:
        num_classes (int): Training identities.
        in_channels (int): Length of the embedding.
        loss_cls (dict): Identity loss, called as ``loss(logits, labels)``.
            Defaults to mmpretrain's plain ``CrossEntropyLoss``; label
            smoothing: ``dict(type='LabelSmoothLoss', label_smooth_val=0.1)``.
        loss_metric (dict | list[dict], optional): Metric-learning losses,
            called as ``loss(feature, labels)``, each under its
            ``loss_name`` key (``loss_triplet``, ``loss_center``). Defaults
            to None.
        with_bn (bool): BN before the linear classifier. Handed over by a
            neck that normalises itself (:class:`BNNeck`). Defaults to True.
        init_cfg (dict, optional): Initialisation config. Defaults to a
            normal(std=0.001) classifier init.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 loss_cls: dict = dict(type='CrossEntropyLoss',
                                       loss_weight=1.0),
                 loss_metric: Optional[Union[dict, List[dict]]] = None,
                 with_bn: bool = True,
                 init_cfg: Optional[dict] = dict(
                     type='Normal', layer='Linear', std=0.001)):
        super().__init__(init_cfg=init_cfg)
        if num_classes < 1:
            raise ValueError('ReIDLinearHead: num_classes must be >= 1, got '
                             f'{num_classes!r}.')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.with_bn = with_bn
        self.classifier = BNClassifier(in_channels, num_classes, with_bn)
        self.loss_cls = build_loss(loss_cls, num_classes=num_classes)
        self.metric_losses = build_metric_losses(
            loss_metric, num_classes=num_classes, in_channels=in_channels)

    @property
    def out_channels(self) -> int:
        """Length of the test embedding (the neck's feature it classifies),
        under the name mmdet's trackers read
        (``model.reid.head.out_channels``)."""
        return self.in_channels

    def forward(self, feats: Feats) -> torch.Tensor:
        """Identity logits, N x num_classes, of the last neck output."""
        feature = feats if isinstance(feats, torch.Tensor) else feats[-1]
        return self.classifier(feature)

    def loss(self, feats: Feats,
             gt_labels: torch.Tensor) -> Dict[str, torch.Tensor]:
        """``loss_cls``, the metric losses and the top-1 training accuracy
        ``acc_cls`` (%).

        Args:
            feats (tuple[Tensor] | Tensor): Neck outputs, each
                N x in_channels: the last is classified, the first goes to
                the metric losses.
            gt_labels (Tensor): N labels in [0, num_classes).
        """
        logits = self(feats)
        losses = dict(loss_cls=self.loss_cls(logits, gt_labels))
        metric_feature = feats if isinstance(feats,
                                             torch.Tensor) else feats[0]
        for metric_loss in self.metric_losses:
            losses[loss_key(metric_loss)] = metric_loss(
                metric_feature, gt_labels)
        with torch.no_grad():
            losses['acc_cls'] = top1_accuracy(logits, gt_labels)
        return losses
