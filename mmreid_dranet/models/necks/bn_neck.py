"""BNNeck of the BoT re-ID baseline (Luo et al., CVPRW 2019)."""
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmreid_dranet.registry import MODELS


@MODELS.register_module()
class BNNeck(BaseModule):
    """Global average pooling, then BatchNorm1d: BoT's BNNeck.

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

    Args:
        in_channels (int): Channels of the backbone output (handed over by
            :class:`ReIDModel`). Defaults to 2048.
        freeze_bias (bool): Keep the BN shift at 0. Defaults to True.
        init_cfg (dict, optional): Initialisation config. Defaults to None
            (BN weight 1, shift 0).
    """

    def __init__(self,
                 in_channels: int = 2048,
                 freeze_bias: bool = True,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if int(in_channels) != in_channels or in_channels < 1:
            raise ValueError('BNNeck: in_channels must be a positive '
                             f'integer, got {in_channels!r}.')
        self.in_channels = in_channels
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
        if feature.dim() != 4 or feature.size(1) != self.in_channels:
            raise ValueError(
                f'BNNeck expects an N x {self.in_channels} x H x W feature '
                f'map (in_channels={self.in_channels}), got shape '
                f'{tuple(feature.shape)}.')
        return feature.mean(dim=(2, 3))

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
