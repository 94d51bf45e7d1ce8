"""ResNet-IBN-a (Pan et al., ECCV 2018): instance + batch normalisation."""
from typing import Sequence

import torch
import torch.nn as nn

from mmreid_dranet.registry import MODELS
from .reid_resnet import ReIDResNet

# The published ImageNet weights of ResNet-50-IBN-a (IBN-Net's releases);
# their keys are torchvision's plus ``layerX.Y.bn1.IN.*`` / ``.bn1.BN.*``.
RESNET50_IBN_A_URL = ('https://github.com/XingangPan/IBN-Net/releases/'
                      'download/v1.0/resnet50_ibn_a-d9d0bb7b.pth')


class IBN(nn.Module):
    """Instance-batch normalisation of IBN-Net-a.

    The first ``int(channels * ratio)`` channels are instance-normalised
    (per sample and channel over H x W, with an affine scale and shift):
    appearance such as colour and contrast, which differs between cameras,
    is normalised away; the other channels keep BatchNorm, which keeps the
    content that tells identities apart. Submodule names ``IN`` and ``BN``
    are those of the published weights.

    Args:
        channels (int): Channels of the input.
        ratio (float): Share of the instance-normalised channels.
            Defaults to 0.5.
    """

    def __init__(self, channels: int, ratio: float = 0.5):
        super().__init__()
        self.half = int(channels * ratio)
        if not 0 < self.half < channels:
            raise ValueError(f'IBN: ratio={ratio} leaves no channel to one '
                             f'of the two norms of {channels} channels.')
        self.IN = nn.InstanceNorm2d(self.half, affine=True)
        self.BN = nn.BatchNorm2d(channels - self.half)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """IN over the first ``half`` channels, BN over the rest."""
        instance, batch = torch.split(
            x, [self.half, x.size(1) - self.half], dim=1)
        return torch.cat([self.IN(instance.contiguous()),
                          self.BN(batch.contiguous())], dim=1)


@MODELS.register_module()
class ResNetIBN(ReIDResNet):
    """ResNet-IBN-a with the re-ID defaults of :class:`ReIDResNet`.

    As in IBN-Net's ``resnet50_ibn_a``: in every block of ``layer1`` to
    ``layer3`` the norm after the first convolution (``bn1``) is an
    :class:`IBN` (half instance, half batch normalisation); ``layer4`` and
    the stem keep BatchNorm, so the deep, identity-specific features are not
    instance-normalised. The state-dict keys are the published weights'
    (``conv1``, ``bn1``, ``layer1.0.conv1``, ``layer1.0.bn1.IN.weight``,
    ``layer1.0.bn1.BN.running_mean`` ...): their ImageNet checkpoint
    (:data:`RESNET50_IBN_A_URL`) loads by ``init_cfg=dict(type='Pretrained',
    checkpoint=...)`` as any torchvision ResNet file does.

    Args:
        depth (int): ResNet depth. Defaults to 50.
        ibn_stages (Sequence[bool]): Stages whose blocks get IBN.
            Defaults to ``(True, True, True, False)`` (IBN-a).
        ibn_ratio (float): Share of instance-normalised channels.
            Defaults to 0.5.
        **kwargs: Arguments of :class:`ReIDResNet` (last stride 1 by
            default) and mmpretrain's ``ResNet``.
    """

    def __init__(self,
                 depth: int = 50,
                 ibn_stages: Sequence[bool] = (True, True, True, False),
                 ibn_ratio: float = 0.5,
                 **kwargs):
        super().__init__(depth=depth, **kwargs)
        if len(ibn_stages) != len(self.res_layers):
            raise ValueError(
                f'ResNetIBN: ibn_stages={tuple(ibn_stages)} has '
                f'{len(ibn_stages)} entries for {len(self.res_layers)} '
                'stages.')
        self.ibn_stages = tuple(bool(stage) for stage in ibn_stages)
        for layer_name, with_ibn in zip(self.res_layers, self.ibn_stages):
            if not with_ibn:
                continue
            for block in getattr(self, layer_name):
                channels = block.norm1.num_features
                block.add_module(block.norm1_name, IBN(channels, ibn_ratio))
