"""Cosine classifiers with an additive margin: CosFace and ArcFace."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.registry import DefaultScope
from mmpretrain.models.heads import ArcFaceClsHead
from mmpretrain.models.heads.margin_head import NormProduct

from mmreid_dranet.registry import MODELS


def _check_feature(owner: str, feature: torch.Tensor,
                   in_channels: int) -> None:
    if feature.dim() != 2 or feature.size(1) != in_channels:
        raise ValueError(
            f'{owner} expects an N x {in_channels} feature '
            f'(in_channels={in_channels}), got shape '
            f'{tuple(feature.shape)}.')


@MODELS.register_module()
class CosFaceClassifier(nn.Module):
    """CosFace (large margin cosine) logits, Wang et al., CVPR 2018.

    With cos_j the cosine between the feature and class j's weight (both
    L2-normalised)::

        logit_j = s * (cos_j - m * [j == y])    (training, label y)
        logit_j = s * cos_j                     (no labels)

    The class weights are mmpretrain's ``NormProduct`` layer (the cosine
    layer of its ``ArcFaceClsHead``).

    Args:
        in_channels (int): Length of the feature.
        num_classes (int): Identities.
        scale (float): s. Defaults to 64 (the paper's).
        margin (float): m. Defaults to 0.35 (the paper's).
        with_bn (bool): BatchNorm1d before the cosine (False when the neck
            has normalised already, e.g. :class:`BNNeck`). Defaults to
            False.
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 scale: float = 64.0,
                 margin: float = 0.35,
                 with_bn: bool = False):
        super().__init__()
        if not scale > 0 or not margin >= 0:
            raise ValueError('CosFaceClassifier: scale must be > 0 and '
                             f'margin >= 0, got {scale!r} and {margin!r}.')
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.scale = scale
        self.margin = margin
        self.bn = nn.BatchNorm1d(in_channels) if with_bn else nn.Identity()
        self.norm_product = NormProduct(in_channels, num_classes)

    def forward(self, feature: torch.Tensor,
                labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        """N x num_classes logits; with ``labels`` the margin is taken off
        each sample's own class."""
        _check_feature('CosFaceClassifier', feature, self.in_channels)
        cosine = self.norm_product(self.bn(feature).float())
        if labels is not None:
            cosine = cosine - self.margin * F.one_hot(
                labels.long(), self.num_classes).to(cosine.dtype)
        return self.scale * cosine


@MODELS.register_module()
class ArcFaceClassifier(ArcFaceClsHead):
    """ArcFace (additive angular margin) logits, Deng et al., CVPR 2019:
    mmpretrain's ``ArcFaceClsHead`` as a classifier of a pooled feature.

    With theta_j the angle between the feature and class j's weight::

        logit_j = s * cos(theta_j + m)   for j == y (training)
        logit_j = s * cos(theta_j)       otherwise, and without labels

    where theta_y + m would pass pi, ``s * (cos(theta_y) - m sin(m))``
    replaces it, keeping the logit decreasing in theta (mmpretrain's rule;
    ``easy_margin=True``: no margin where cos(theta_y) <= 0). The numbers
    are those of ``ArcFaceClsHead.forward``; only the call differs: one
    feature tensor and the labels, as our heads call a classifier.
    ``ArcFaceClsHead`` itself does not fit as our head: its loss reads
    ``DataSample`` lists, and it has no BNNeck and no metric losses.

    Args:
        in_channels (int): Length of the feature.
        num_classes (int): Identities.
        scale (float): s. Defaults to 64 (the paper's and mmpretrain's).
        margin (float): m, in radians. Defaults to 0.5 (the paper's).
        easy_margin (bool): See above. Defaults to False.
        num_subcenters (int): Sub-centres per class (sub-center ArcFace).
            Defaults to 1.
        with_bn (bool): BatchNorm1d before the cosine. Defaults to False.
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 scale: float = 64.0,
                 margin: float = 0.5,
                 easy_margin: bool = False,
                 num_subcenters: int = 1,
                 with_bn: bool = False):
        if not scale > 0 or not 0 <= margin < torch.pi / 2:
            raise ValueError('ArcFaceClassifier: scale must be > 0 and '
                             'margin in [0, pi/2), got '
                             f'{scale!r} and {margin!r}.')
        # mmpretrain's ClsHead builds its (here unused) default loss by a
        # bare name, in whatever default scope is current: make it its own.
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            super().__init__(num_classes=num_classes,
                             in_channels=in_channels,
                             num_subcenters=num_subcenters, scale=scale,
                             margins=float(margin), easy_margin=easy_margin)
        self.margin = margin
        self.bn = nn.BatchNorm1d(in_channels) if with_bn else nn.Identity()

    def forward(self, feature: torch.Tensor,
                labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        """N x num_classes logits; with ``labels`` the angular margin is
        added to each sample's own class."""
        _check_feature('ArcFaceClassifier', feature, self.in_channels)
        return super().forward((self.bn(feature), ), labels)
