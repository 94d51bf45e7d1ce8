"""A single identity classifier over a pooled feature (+ metric losses)."""
import inspect
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModule

from mmreid_dranet.registry import MODELS
from ..losses import build_loss, build_metric_losses, loss_key
from ..utils import build_model_part, top1_accuracy
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

    ``classifier`` swaps the (BN +) linear classifier for a cosine one with
    a margin (:class:`CosFaceClassifier`, :class:`ArcFaceClassifier`): the
    head hands it ``in_channels``, ``num_classes`` and ``with_bn`` and, for
    the loss, the labels (the margin applies to each sample's own class);
    :meth:`forward` and the logged accuracy use the logits without margin.

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
        classifier (dict, optional): A margin classifier, e.g.
            ``dict(type='ArcFaceClassifier', scale=64, margin=0.5)``.
            Defaults to None (BN + bias-free linear).
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
                 classifier: Optional[dict] = None,
                 init_cfg: Optional[dict] = dict(
                     type='Normal', layer='Linear', std=0.001)):
        super().__init__(init_cfg=init_cfg)
        if num_classes < 1:
            raise ValueError('ReIDLinearHead: num_classes must be >= 1, got '
                             f'{num_classes!r}.')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.with_bn = with_bn
        if classifier is None:
            self.classifier = BNClassifier(in_channels, num_classes, with_bn)
        else:
            self.classifier = _build_classifier(
                classifier, in_channels=in_channels,
                num_classes=num_classes, with_bn=with_bn)
        self._margin_labels = 'labels' in inspect.signature(
            self.classifier.forward).parameters
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
        if self._margin_labels:
            feature = feats if isinstance(feats, torch.Tensor) else feats[-1]
            losses = dict(loss_cls=self.loss_cls(
                self.classifier(feature, gt_labels), gt_labels))
            with torch.no_grad():
                logits = self(feats)
        else:
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


def _build_classifier(cfg: dict, **handed) -> torch.nn.Module:
    """Build a classifier config with the values the head hands it (those
    its constructor names); a config that states one differently is an
    error."""
    cfg = dict(cfg)
    cls = MODELS.get(cfg['type']) if isinstance(cfg.get('type'),
                                                str) else cfg.get('type')
    if cls is None:
        return build_model_part(cfg)  # the registry's own error
    params = inspect.signature(cls.__init__).parameters
    for key, value in handed.items():
        if key not in params:
            continue
        if cfg.get(key) is not None and cfg[key] != value:
            raise ValueError(
                f"ReIDLinearHead: classifier {cfg['type']}: {key}="
                f"{cfg[key]!r} disagrees with the head's {key}={value!r}; "
                'remove it from the classifier config (the head hands it '
                'over).')
        cfg[key] = value
    return build_model_part(cfg)
