"""DRANet neck: part stripes, each through CIC/RCAM and SIC/RSAM."""
from dataclasses import dataclass
from typing import List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmreid_dranet.registry import MODELS
from ..utils import split_stripes
from .dra_part import MAP_NORMS, DRAPartBranch, DRAPartOutput


@dataclass
class DRANeckOutput:
    """Training outputs of :class:`DRANeck`.

    Attributes:
        embedding (Tensor): The test embedding, N x (num_parts * 2K).
        parts (list[DRAPartOutput]): The branch outputs, top stripe first.
    """
    embedding: torch.Tensor
    parts: List[DRAPartOutput]


@MODELS.register_module()
class DRANeck(BaseModule):
    """Dual reverse attention neck of DRANet (Liu et al., ICIP 2019).

    The last backbone feature map is cut into ``num_parts`` horizontal
    stripes (:func:`~mmreid_dranet.models.utils.split_stripes`: uneven
    heights allowed). Each stripe has its own branch (weights are not
    shared: stripes see different body regions, as in the paper's per-part
    figure and in PCB): a 1x1 reduction to K channels, the SE-style channel
    attention m (CIC) giving B = A * m, and S = f3x3(B) (SIC). For
    training, RCAM makes C = A * (1 - m) ** alpha_c and RSAM makes
    D = B * (1 - H_n) ** alpha_s from the class map H_n of each sample's
    identity.

    Like mmpretrain's ``GlobalAveragePooling``, :meth:`forward` returns the
    pooled test embedding, concat over parts of [pool(B), pool(S)] (GAP by
    default, see ``pooling``), so the neck fits any classifier config;
    :meth:`forward_train` returns every branch output for :class:`DRAHead`.

    Args:
        in_channels (int): Channels of the backbone output. Defaults to 2048.
        num_parts (int): Horizontal stripes P; 1 is global. Defaults to 3.
        reduce_channels (int): K, channels of each branch. Defaults to 512.
        num_classes (int, optional): Training identities: the SIC class maps
            and logits. None builds no class maps and no RSAM, so that every
            parameter is used by :meth:`forward` (reuse inside a classifier).
            Defaults to None.
        se_ratio (int): CIC reduction ratio r. Defaults to 16.
        alpha_c (float): Exponent of the reverse channel mask. Defaults to 1.
        alpha_s (float): Exponent of the reverse spatial mask. Defaults to 1.
        use_rcam (bool): Build the RCAM branch. Defaults to True.
        use_rsam (bool): Build the RSAM branch (needs ``num_classes``).
            Defaults to True.
        map_norm (str): How H_n is scaled to [0, 1]: 'minmax' (per sample)
            or 'sigmoid'. Defaults to 'minmax'.
        detach_reverse (bool): Stop gradients through (1 - m) and (1 - H_n):
            C and D are hard examples for the classifiers, not targets the
            attention learns to dodge. Defaults to True.
        pooling (str): Part pooling of B, S (the embedding) and C, D (the
            RCAM/RSAM classifiers' inputs): 'avg' (the paper's GAP), 'max'
            or 'gem' (mmpretrain's ``GeneralizedMeanPooling``; one exponent
            per part). Defaults to 'avg'.
        gem_p (float): Initial GeM exponent. Defaults to 3.
        gem_p_trainable (bool): Learn the GeM exponent. Defaults to True.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 in_channels: int = 2048,
                 num_parts: int = 3,
                 reduce_channels: int = 512,
                 num_classes: Optional[int] = None,
                 se_ratio: int = 16,
                 alpha_c: float = 1.0,
                 alpha_s: float = 1.0,
                 use_rcam: bool = True,
                 use_rsam: bool = True,
                 map_norm: str = 'minmax',
                 detach_reverse: bool = True,
                 pooling: str = 'avg',
                 gem_p: float = 3.0,
                 gem_p_trainable: bool = True,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if map_norm not in MAP_NORMS:
            raise ValueError(f'DRANeck: unknown map_norm {map_norm!r}, '
                             f'expected one of {MAP_NORMS}.')
        for name, value in (('in_channels', in_channels),
                            ('num_parts', num_parts),
                            ('reduce_channels', reduce_channels),
                            ('se_ratio', se_ratio)):
            if int(value) != value or value < 1:
                raise ValueError(
                    f'DRANeck: {name} must be a positive integer, got '
                    f'{value!r}.')
        if reduce_channels < se_ratio:
            raise ValueError(
                f'DRANeck: reduce_channels={reduce_channels} is smaller than '
                f'se_ratio={se_ratio}, leaving the CIC no hidden unit.')
        if num_classes is not None and num_classes < 1:
            raise ValueError(f'DRANeck: num_classes must be None or >= 1, '
                             f'got {num_classes!r}.')
        for name, value in (('alpha_c', alpha_c), ('alpha_s', alpha_s)):
            if not value > 0:
                raise ValueError(
                    f'DRANeck: {name} must be > 0, got {value!r}.')
        self.in_channels = in_channels
        self.num_parts = num_parts
        self.reduce_channels = reduce_channels
        self.num_classes = num_classes
        self.use_rcam = use_rcam
        self.use_rsam = use_rsam and num_classes is not None
        self.branches = nn.ModuleList(
            DRAPartBranch(in_channels, reduce_channels, num_classes,
                          se_ratio=se_ratio, alpha_c=alpha_c,
                          alpha_s=alpha_s, use_rcam=use_rcam,
                          use_rsam=use_rsam, map_norm=map_norm,
                          detach_reverse=detach_reverse, pooling=pooling,
                          gem_p=gem_p, gem_p_trainable=gem_p_trainable)
            for _ in range(num_parts))

    @property
    def head_args(self) -> dict:
        """What a head of this neck must agree with (handed to it by
        :class:`ReIDModel`): K as ``in_channels``, ``num_parts`` and the
        branch switches (RSAM only where class maps exist)."""
        return dict(in_channels=self.reduce_channels,
                    num_parts=self.num_parts, use_rcam=self.use_rcam,
                    use_rsam=self.use_rsam)

    @property
    def out_channels(self) -> int:
        """Length of the embedding: num_parts * 2K."""
        return self.num_parts * 2 * self.reduce_channels

    def _stripes(self, inputs: Union[Tuple[torch.Tensor], torch.Tensor]
                 ) -> Tuple[torch.Tensor, ...]:
        feature = inputs[-1] if isinstance(inputs, (tuple, list)) else inputs
        if feature.dim() != 4:
            raise ValueError(
                'DRANeck needs a convolutional N x C x H x W feature map to '
                f'cut into stripes, got shape {tuple(feature.shape)}: a '
                'pooled vector or tokens (e.g. ViT out_type="cls_token" or '
                '"raw", ConvNeXt gap_before_final_norm=True) have no rows. '
                'Use a backbone output with a map, or the BNNeck.')
        if feature.size(1) != self.in_channels:
            raise ValueError(
                f'DRANeck expects an N x {self.in_channels} x H x W feature '
                f'map (in_channels={self.in_channels}), got shape '
                f'{tuple(feature.shape)}: set in_channels to the backbone '
                'output channels.')
        if feature.size(2) < self.num_parts:
            raise ValueError(
                f'DRANeck: feature map height {feature.size(2)} is smaller '
                f'than num_parts={self.num_parts}; use a taller input or '
                'fewer parts.')
        return split_stripes(feature, self.num_parts)

    def forward(self, inputs: Union[Tuple[torch.Tensor], torch.Tensor]
                ) -> Union[Tuple[torch.Tensor], torch.Tensor]:
        """The test embedding, concat over parts of [pool(B), pool(S)].

        Args:
            inputs (tuple[Tensor] | Tensor): Backbone outputs; the last one,
                N x in_channels x H x W, is used.

        Returns:
            tuple[Tensor] | Tensor: ``(embedding, )`` of shape
            N x (num_parts * 2K), or the bare tensor for a tensor input.
        """
        stripes = self._stripes(inputs)
        embedding = torch.cat([
            branch.attend(stripe)[0].embedding()
            for branch, stripe in zip(self.branches, stripes)
        ], dim=1)
        return embedding if isinstance(inputs, torch.Tensor) else (
            embedding, )

    def forward_train(self,
                      inputs: Union[Tuple[torch.Tensor], torch.Tensor],
                      gt_labels: Optional[torch.Tensor] = None
                      ) -> DRANeckOutput:
        """All branch outputs for the DRA losses.

        Args:
            inputs (tuple[Tensor] | Tensor): Backbone outputs, as
                :meth:`forward`.
            gt_labels (Tensor, optional): N labels in [0, num_classes)
                (checked by :class:`ReIDDataPreprocessor`); RSAM is skipped
                without them.

        Returns:
            DRANeckOutput: The embedding and each part's intermediates.
        """
        stripes = self._stripes(inputs)
        parts = [
            branch(stripe, gt_labels)
            for branch, stripe in zip(self.branches, stripes)
        ]
        embedding = torch.cat([part.embedding() for part in parts], dim=1)
        return DRANeckOutput(embedding, parts)
