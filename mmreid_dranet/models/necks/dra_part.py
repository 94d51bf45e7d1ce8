"""One part branch of DRANet: CIC + RCAM, then SIC + RSAM."""
from dataclasses import dataclass, field
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from .pooling import FeaturePooling

MAP_NORMS = ('minmax', 'sigmoid')
# Smallest base of the reverse masks: keeps (1 - mask) ** alpha and its
# gradient finite for alpha < 1 where the mask reaches 1 exactly.
_MASK_FLOOR = 1e-12
_MINMAX_EPS = 1e-6


@dataclass
class DRAPartOutput:
    """What one part branch computes (N samples, K channels, h x w stripe).

    Attributes:
        reduced (Tensor): A_p, the reduced stripe, N x K x h x w.
        channel_mask (Tensor): m, the CIC channel attention, N x K.
        attended (Tensor): B = A_p * m, N x K x h x w.
        spatial (Tensor): S = f3x3(B), N x K x h x w.
        identity_logits (Tensor | None): GAP(f1x1(S)), N x num_classes;
            None without identity maps.
        channel_reversed (Tensor | None): C = A_p * (1 - m) ** alpha_c;
            None when RCAM is off.
        identity_map (Tensor | None): H_n, the map of each sample's
            ground-truth identity normalised to [0, 1], N x h x w; None when
            RSAM is off or no labels were given.
        spatial_reversed (Tensor | None): D = B * (1 - H_n) ** alpha_s,
            N x K x h x w; None like ``identity_map``.
        pool (nn.Module | None): The branch's part pooling (N x K x h x w
            to N x K); None is the average.
    """
    reduced: torch.Tensor
    channel_mask: torch.Tensor
    attended: torch.Tensor
    spatial: torch.Tensor
    identity_logits: Optional[torch.Tensor] = None
    channel_reversed: Optional[torch.Tensor] = None
    identity_map: Optional[torch.Tensor] = None
    spatial_reversed: Optional[torch.Tensor] = None
    pool: Optional[nn.Module] = field(default=None, repr=False)

    def pooled(self, feature: torch.Tensor) -> torch.Tensor:
        """``feature`` (one of this part's maps) pooled to N x K by the
        branch's part pooling."""
        if self.pool is None:
            return feature.mean(dim=(2, 3))
        return self.pool(feature)

    def embedding(self) -> torch.Tensor:
        """The test feature of this part: [pool(B), pool(S)], N x 2K
        (GAP with the default ``pooling='avg'``)."""
        return torch.cat([self.pooled(self.attended),
                          self.pooled(self.spatial)], dim=1)


def normalize_maps(maps: torch.Tensor, mode: str) -> torch.Tensor:
    """Scale each N x h x w map to [0, 1] ('minmax' per sample, 'sigmoid')."""
    if mode == 'sigmoid':
        return maps.sigmoid()
    flat = maps.flatten(1)
    low = flat.min(dim=1).values[:, None, None]
    high = flat.max(dim=1).values[:, None, None]
    return (maps - low) / (high - low + _MINMAX_EPS)


def reverse_mask(complement: torch.Tensor, alpha: float,
                 detach: bool) -> torch.Tensor:
    """(1 - mask) ** alpha from the complement ``1 - mask``."""
    if detach:
        complement = complement.detach()
    return complement.clamp_min(_MASK_FLOOR).pow(alpha)


class DRAPartBranch(BaseModule):
    """CIC/RCAM and SIC/RSAM on one horizontal stripe of the feature map.

    Args:
        in_channels (int): Channels of the backbone feature map.
        reduce_channels (int): K, channels after the 1x1 reduction.
        num_classes (int, optional): Identities, one SIC map each. None
            builds no identity maps (and so no RSAM).
        se_ratio (int): Reduction ratio r of the CIC excitation.
        alpha_c (float): Exponent of the reverse channel mask.
        alpha_s (float): Exponent of the reverse spatial mask.
        use_rcam (bool): Compute C for the RCAM classifier.
        use_rsam (bool): Compute D for the RSAM classifier (needs labels).
        map_norm (str): 'minmax' or 'sigmoid', see :func:`normalize_maps`.
        detach_reverse (bool): Stop gradients through the reverse masks.
        pooling (str): The part pooling of B, S, C and D (the embedding and
            the classifiers' inputs): 'avg', 'max' or 'gem'. The CIC
            squeeze stays an average (it is SE's). Defaults to 'avg'.
        gem_p (float): Initial GeM exponent. Defaults to 3.
        gem_p_trainable (bool): Learn the GeM exponent. Defaults to True.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 reduce_channels: int,
                 num_classes: Optional[int],
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
        self.pool = FeaturePooling(pooling, gem_p, gem_p_trainable,
                                   owner='DRANeck')
        self.alpha_c = alpha_c
        self.alpha_s = alpha_s
        self.use_rcam = use_rcam
        self.use_rsam = use_rsam and num_classes is not None
        self.map_norm = map_norm
        self.detach_reverse = detach_reverse

        self.reduce = ConvModule(in_channels, reduce_channels, 1,
                                 norm_cfg=dict(type='BN'))
        hidden = reduce_channels // se_ratio
        self.excite = nn.Sequential(
            nn.Linear(reduce_channels, hidden), nn.ReLU(inplace=True),
            nn.Linear(hidden, reduce_channels))
        self.spatial_conv = ConvModule(reduce_channels, reduce_channels, 3,
                                       padding=1, norm_cfg=dict(type='BN'))
        self.identity_conv = None if num_classes is None else nn.Conv2d(
            reduce_channels, num_classes, 1)

    def attend(self, stripe: torch.Tensor
               ) -> Tuple[DRAPartOutput, torch.Tensor]:
        """The test path: A_p, m, B = A_p * m and S = f3x3(B).

        Args:
            stripe (Tensor): N x C_in x h x w part of the backbone output.

        Returns:
            tuple[DRAPartOutput, Tensor]: The outputs without the reverse
            branches, and the CIC logits (m before the sigmoid), N x K.
        """
        reduced = self.reduce(stripe)
        gate_logits = self.excite(reduced.mean(dim=(2, 3)))
        mask = gate_logits.sigmoid()
        attended = reduced * mask[:, :, None, None]
        spatial = self.spatial_conv(attended)
        return DRAPartOutput(reduced, mask, attended, spatial,
                             pool=self.pool), gate_logits

    def identity_map(self, spatial: torch.Tensor,
                     labels: torch.Tensor) -> torch.Tensor:
        """H_n: the SIC class map of identity ``labels[i]`` for each sample,
        scaled to [0, 1] by ``map_norm`` (the map RSAM reverses).

        Args:
            spatial (Tensor): S of the branch, N x K x h x w.
            labels (Tensor): N identity labels in [0, num_classes).

        Returns:
            Tensor: N x h x w.
        """
        if self.identity_conv is None:
            raise ValueError('this DRAPartBranch was built without identity '
                             'maps (num_classes=None): there is no H_n')
        weight = self.identity_conv.weight.flatten(1)
        maps = torch.einsum('nk,nkhw->nhw', weight[labels], spatial)
        maps = maps + self.identity_conv.bias[labels][:, None, None]
        return normalize_maps(maps, self.map_norm)

    def forward(self,
                stripe: torch.Tensor,
                gt_labels: Optional[torch.Tensor] = None) -> DRAPartOutput:
        """Run the branch on one stripe.

        Args:
            stripe (Tensor): N x C_in x h x w part of the backbone output.
            gt_labels (Tensor, optional): N labels in [0, num_classes); RSAM
                is skipped without them.

        Returns:
            DRAPartOutput: Every intermediate of the branch.
        """
        out, gate_logits = self.attend(stripe)
        if self.use_rcam:
            # sigmoid(-x) is 1 - sigmoid(x) without cancellation near 1.
            reverse = reverse_mask(gate_logits.neg().sigmoid(), self.alpha_c,
                                   self.detach_reverse)
            out.channel_reversed = out.reduced * reverse[:, :, None, None]

        if self.identity_conv is not None:
            weight = self.identity_conv.weight.flatten(1)
            # GAP(f1x1(S)) == f1x1(GAP(S)): logits without all the maps.
            # With 'max'/'gem' part pooling the 1x1 classifier reads the
            # pooled S, as every other classifier reads its pooled input.
            out.identity_logits = F.linear(
                out.pooled(out.spatial), weight,
                self.identity_conv.bias)
            if self.use_rsam and gt_labels is not None:
                out.identity_map = self.identity_map(out.spatial, gt_labels)
                reverse = reverse_mask(1 - out.identity_map, self.alpha_s,
                                       self.detach_reverse)
                out.spatial_reversed = out.attended * reverse[:, None]
        return out
