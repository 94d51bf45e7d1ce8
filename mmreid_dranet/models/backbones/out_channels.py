"""The output channels of any backbone, found by one dry forward."""
from typing import Sequence, Tuple, Union

import torch
import torch.nn as nn

# Input of the dry forward (1 x 3 x H x W, zeros). Small, so that building
# a model stays cheap, and large enough for every stride-32 backbone of
# mmpretrain (a 2 x 2 map) and for ViTs (4 x 4 patches of 16).
PROBE_SIZE = (64, 64)


def last_output(outputs: Union[torch.Tensor, Sequence[torch.Tensor]]
                ) -> torch.Tensor:
    """The last tensor of a backbone's outputs: mmpretrain backbones return
    one tensor per ``out_indices`` entry, deepest last."""
    if isinstance(outputs, torch.Tensor):
        return outputs
    if isinstance(outputs, (tuple, list)) and outputs and isinstance(
            outputs[-1], torch.Tensor):
        return outputs[-1]
    raise TypeError('ReIDModel: a backbone must return a tensor or a tuple '
                    f'of tensors, got {type(outputs).__name__}.')


def probe_out_channels(backbone: nn.Module,
                       size: Tuple[int, int] = PROBE_SIZE) -> int:
    """Channels of the backbone's last output, by a forward of one blank
    image.

    Any mmpretrain backbone as configured (arch, ``out_indices``,
    ``out_type``, widths) is measured, not looked up: mmpretrain names its
    width attribute differently per backbone (``feat_dim``, ``channels``,
    ``embed_dims``, ``num_features`` ...), and the output format decides
    the channels too (e.g. ViT's ``out_type``). The forward runs in eval
    mode without gradients (BatchNorm statistics stay as they are) and the
    training mode is restored.

    Args:
        backbone (nn.Module): The built backbone.
        size (tuple[int, int]): Height and width of the probe image.
            Defaults to :data:`PROBE_SIZE`.

    Returns:
        int: C of the last output, N x C x H x W (a map) or N x C (pooled).
    """
    params = list(backbone.parameters())
    device = params[0].device if params else torch.device('cpu')
    was_training = backbone.training
    backbone.eval()
    try:
        with torch.no_grad():
            output = last_output(
                backbone(torch.zeros(1, 3, *size, device=device)))
    except (RuntimeError, ValueError, AssertionError) as error:
        raise ValueError(
            f'ReIDModel: a dry forward of a 1 x 3 x {size[0]} x {size[1]} '
            f'image through the backbone {type(backbone).__name__}, which '
            f'finds its output channels, failed ({error}). Configure the '
            'backbone to accept that input (e.g. Swin: '
            'pad_small_map=True).') from error
    finally:
        backbone.train(was_training)
    if output.dim() not in (2, 4):
        raise ValueError(
            f'ReIDModel: the backbone {type(backbone).__name__} gives an '
            f'output of shape {tuple(output.shape)}; the necks take an '
            'N x C x H x W map or an N x C feature. For token outputs (ViT '
            "out_type='raw') set out_type='featmap' (a map, any neck) or "
            "'cls_token' (BNNeck).")
    return int(output.size(1))
