"""DRANet head: the SIC, RCAM and RSAM identity losses (+ metric losses)."""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmreid_dranet.registry import MODELS
from ..losses import build_loss, build_metric_losses, loss_key
from ..necks.dra_neck import DRANeckOutput
from ..utils import top1_accuracy
from .bn_classifier import BNClassifier

LOSS_NAMES = ('sic', 'rcam', 'rsam')


@MODELS.register_module()
class DRAHead(BaseModule):
    """Three softmax identity losses over the parts of :class:`DRANeck`.

    - ``loss_sic``: cross-entropy of GAP(H), the SIC class-map logits (their
      weights live in the neck, which needs the maps for RSAM);
    - ``loss_rcam``: cross-entropy of a BN + linear classifier over GAP(C);
    - ``loss_rsam``: the same over GAP(D).

    (GAP is the neck's part pooling: the average by default, max or GeM
    with ``DRANeck(pooling=...)``; each part output carries it.)

    Each is averaged over the parts (every part has its own classifiers)
    and scaled by its weight. A switched-off branch has no loss key. The
    training accuracies ``acc_sic``/``acc_rcam``/``acc_rsam`` (top-1, %) go
    to the log only: mmengine sums the keys containing 'loss'.

    Optional metric-learning losses (``loss_metric``, e.g. a
    :class:`TripletLoss`) act on the test embedding: all parts'
    ``[GAP(B), GAP(S)]`` concatenated, N x (num_parts * 2K). Concatenated
    rather than per part because that is the vector the test ranks by: its
    euclidean distance is what retrieval uses, and batch-hard mining on it
    picks the pairs that are hard for the test metric; per-part mining would
    pick a different hardest pair in each part and optimise P proxies of the
    ranking distance. It is also one N x N distance matrix instead of P.

    Inside :class:`ReIDModel` the first five arguments are handed over
    (``num_classes`` by the model, the others by ``DRANeck.head_args``):
    configs do not write them. ``num_classes`` and the embedding length are
    handed on to losses that name them (e.g. :class:`CenterLoss`).

    Args:
        num_classes (int): Training identities.
        in_channels (int): K, the neck's ``reduce_channels``.
        num_parts (int): Parts of the neck. Defaults to 3.
        use_rcam (bool): Add ``loss_rcam``. Defaults to True.
        use_rsam (bool): Add ``loss_rsam``. Defaults to True.
        loss_cls (dict): The identity loss of every branch and part,
            called as ``loss(logits, labels)``. Defaults to mmpretrain's
            plain ``CrossEntropyLoss``; label smoothing:
            ``dict(type='LabelSmoothLoss', label_smooth_val=0.1)``.
        loss_weights (dict): Weight of each branch's loss, keys 'sic',
            'rcam', 'rsam'; a missing key weighs 1. Defaults to all 1.
        loss_metric (dict | list[dict], optional): Metric-learning losses on
            the embedding, called as ``loss(embedding, labels)``, each under
            its ``loss_name`` key (e.g. ``dict(type='TripletLoss',
            margin=0.3)`` gives ``loss_triplet``). Defaults to None (the
            paper's three softmax losses only).
        init_cfg (dict, optional): Initialisation config. Defaults to a
            normal(std=0.001) classifier init, as in the strong baselines.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 num_parts: int = 3,
                 use_rcam: bool = True,
                 use_rsam: bool = True,
                 loss_cls: dict = dict(type='CrossEntropyLoss',
                                       loss_weight=1.0),
                 loss_weights: Optional[Dict[str, float]] = None,
                 loss_metric: Optional[Union[dict, List[dict]]] = None,
                 init_cfg: Optional[dict] = dict(
                     type='Normal', layer='Linear', std=0.001)):
        super().__init__(init_cfg=init_cfg)
        if num_classes < 1:
            raise ValueError(
                f'DRAHead: num_classes must be >= 1, got {num_classes!r}.')
        loss_weights = dict(loss_weights or {})
        unknown = set(loss_weights) - set(LOSS_NAMES)
        if unknown:
            raise KeyError(f'DRAHead: unknown loss_weights keys '
                           f'{sorted(unknown)}, expected {LOSS_NAMES}.')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.num_parts = num_parts
        self.use_rcam = use_rcam
        self.use_rsam = use_rsam
        self.loss_weights = {
            name: float(loss_weights.get(name, 1.0))
            for name in LOSS_NAMES
        }
        self.loss_cls = build_loss(loss_cls, num_classes=num_classes)
        self.metric_losses = build_metric_losses(
            loss_metric, num_classes=num_classes,
            in_channels=num_parts * 2 * in_channels)
        self.rcam_classifiers = self._classifiers() if use_rcam else None
        self.rsam_classifiers = self._classifiers() if use_rsam else None

    @property
    def out_channels(self) -> int:
        """Length of the test embedding (num_parts * 2K), under the name
        mmdet's trackers read (``model.reid.head.out_channels``)."""
        return self.num_parts * 2 * self.in_channels

    def _classifiers(self) -> nn.ModuleList:
        return nn.ModuleList(
            BNClassifier(self.in_channels, self.num_classes)
            for _ in range(self.num_parts))

    def _check_neck_output(self, outputs: DRANeckOutput) -> None:
        if not isinstance(outputs, DRANeckOutput):
            raise TypeError('DRAHead needs the DRANeck.forward_train output, '
                            f'got {type(outputs).__name__}.')
        part = outputs.parts[0]
        needs = [('identity_logits', True, 'num_classes'),
                 ('channel_reversed', self.use_rcam, 'use_rcam=True'),
                 ('spatial_reversed', self.use_rsam,
                  'use_rsam=True, num_classes and labels')]
        for field, needed, neck_setting in needs:
            if needed and getattr(part, field) is None:
                raise ValueError(
                    f'DRAHead: the neck output has no {field}; build the '
                    f'neck with {neck_setting} to match the head.')

    def _identity_loss(self, logits: List[torch.Tensor],
                       labels: torch.Tensor) -> torch.Tensor:
        return torch.stack([
            self.loss_cls(part_logits, labels) for part_logits in logits
        ]).mean()

    def logits(self, outputs: DRANeckOutput) -> Dict[str, List[torch.Tensor]]:
        """Identity logits of each enabled branch, one N x num_classes
        tensor per part.

        Args:
            outputs (DRANeckOutput): Output of ``DRANeck.forward_train``.

        Returns:
            dict[str, list[Tensor]]: Keys among 'sic', 'rcam', 'rsam'.
        """
        self._check_neck_output(outputs)
        parts = outputs.parts
        logits = dict(sic=[part.identity_logits for part in parts])
        if self.use_rcam:
            logits['rcam'] = [
                classify(part.pooled(part.channel_reversed))
                for classify, part in zip(self.rcam_classifiers, parts)
            ]
        if self.use_rsam:
            logits['rsam'] = [
                classify(part.pooled(part.spatial_reversed))
                for classify, part in zip(self.rsam_classifiers, parts)
            ]
        return logits

    def loss(self, outputs: DRANeckOutput,
             gt_labels: torch.Tensor) -> Dict[str, torch.Tensor]:
        """The weighted losses and the training accuracies.

        Args:
            outputs (DRANeckOutput): Output of ``DRANeck.forward_train``.
            gt_labels (Tensor): N labels in [0, num_classes).

        Returns:
            dict[str, Tensor]: ``loss_<name>`` and ``acc_<name>`` for each
            enabled branch, and each metric loss under its ``loss_name``.
        """
        losses = {}
        for name, logits in self.logits(outputs).items():
            losses[f'loss_{name}'] = self.loss_weights[name] * (
                self._identity_loss(logits, gt_labels))
            with torch.no_grad():
                losses[f'acc_{name}'] = torch.stack([
                    top1_accuracy(part_logits, gt_labels)
                    for part_logits in logits
                ]).mean()
        for metric_loss in self.metric_losses:
            losses[loss_key(metric_loss)] = metric_loss(
                outputs.embedding, gt_labels)
        return losses
