"""BNNeck of the BoT re-ID baseline (Luo et al., CVPRW 2019)."""
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmreid_dranet.registry import MODELS
from .pooling import FeaturePooling


@MODELS.register_module()
class BNNeck(BaseModule):
    """Global pooling, then BatchNorm1d: BoT's BNNeck.

    The metric losses (triplet, center) train the pooled ``feature``, the
    identity classifier its batch-normalised copy ``bn_feature``: the BN
    separates the two losses' feature spaces. ``bn_feature`` is the test
    embedding (BoT's inference feature). The BN shift is frozen at 0 by
    default, as in BoT, so that the normalised feature stays centred.

    Contract (that of mmpretrain's ``GlobalAveragePooling``): :meth:`forward`
    returns ``(bn_feature, )``; :meth:`forward_train` returns
    ``(feature, bn_feature)`` for :class:`ReIDLinearHead`, which classifies
    the last item and gives the first to its metric losses. ``head_args``
    tells the head that the BN is done here (``with_bn=False``).

    The backbone output is an N x C x H x W map (convolutional backbones,
    ViT with ``out_type='featmap'``), pooled by ``pooling``; or an N x C
    feature the backbone has pooled itself (ViT's class token,
    ``out_type='cls_token'``; ConvNeXt with ``gap_before_final_norm=True``),
    taken as it is with ``pooling='avg'`` and refused with 'max' or 'gem',
    which cannot be applied to a pooled vector.

    Args:
        in_channels (int): Channels of the backbone output (handed over by
            :class:`ReIDModel`). Defaults to 2048.
        freeze_bias (bool): Keep the BN shift at 0. Defaults to True.
        pooling (str): 'avg', 'max' or 'gem' (mmpretrain's
            ``GeneralizedMeanPooling``, meant for non-negative maps: values
            below ``eps`` are clamped). Defaults to 'avg' (BoT).
        gem_p (float): Initial GeM exponent. Defaults to 3.
        gem_p_trainable (bool): Learn the GeM exponent. Defaults to True.
        init_cfg (dict, optional): Initialisation config. Defaults to None
            (BN weight 1, shift 0).
    """

    def __init__(self,
                 in_channels: int = 2048,
                 freeze_bias: bool = True,
                 pooling: str = 'avg',
                 gem_p: float = 3.0,
                 gem_p_trainable: bool = True,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if int(in_channels) != in_channels or in_channels < 1:
            raise ValueError('BNNeck: in_channels must be a positive '
                             f'integer, got {in_channels!r}.')
        self.in_channels = in_channels
        self.pool = FeaturePooling(pooling, gem_p, gem_p_trainable,
                                   owner='BNNeck')
        self.bn = nn.BatchNorm1d(in_channels)
        if freeze_bias:
            self.bn.bias.requires_grad_(False)

    @property
    def head_args(self) -> dict:
        """Handed to the head by :class:`ReIDModel`: the feature length and
        that the classifier needs no BN of its own."""
        return dict(in_channels=self.in_channels, with_bn=False)

    def _pool(self, inputs: Union[Tuple[torch.Tensor], torch.Tensor]
              ) -> torch.Tensor:
        feature = inputs[-1] if isinstance(inputs, (tuple, list)) else inputs
        if feature.dim() not in (2, 4) or feature.size(1) != self.in_channels:
            raise ValueError(
                f'BNNeck expects an N x {self.in_channels} x H x W feature '
                f'map or a pooled N x {self.in_channels} feature '
                f'(in_channels={self.in_channels}), got shape '
                f'{tuple(feature.shape)}.')
        if feature.dim() == 4:
            return self.pool(feature)
        if self.pool.pooling != 'avg':
            raise ValueError(
                f'BNNeck: pooling={self.pool.pooling!r} needs an N x C x H x '
                f'W map, but the backbone gives a pooled N x C feature '
                f'{tuple(feature.shape)} (e.g. ViT out_type="cls_token"): '
                "use pooling='avg' (the feature is taken as it is) or a "
                "backbone output with a map (ViT out_type='featmap').")
        return feature

    def forward(self, inputs: Union[Tuple[torch.Tensor], torch.Tensor]
                ) -> Union[Tuple[torch.Tensor], torch.Tensor]:
        """The test embedding, ``bn_feature``, N x in_channels.

        Args:
            inputs (tuple[Tensor] | Tensor): Backbone outputs; the last,
                N x in_channels x H x W, is used.

        Returns:
            tuple[Tensor] | Tensor: ``(bn_feature, )``, or the bare tensor
            for a tensor input.
        """
        bn_feature = self.bn(self._pool(inputs))
        return bn_feature if isinstance(inputs, torch.Tensor) else (
            bn_feature, )

    def forward_train(self,
                      inputs: Union[Tuple[torch.Tensor], torch.Tensor],
                      gt_labels: Optional[torch.Tensor] = None
                      ) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(feature, bn_feature)``, each N x in_channels (labels unused).
        """
        feature = self._pool(inputs)
        return feature, self.bn(feature)
