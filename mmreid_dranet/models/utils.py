"""Small helpers shared by the re-ID model parts."""
from typing import List, Tuple

import torch
import torch.nn as nn
from mmengine.registry import DefaultScope

from mmreid_dranet.registry import MODELS, SCOPE


def build_model_part(cfg: dict) -> nn.Module:
    """Build a model part from the ``mmreid_dranet`` registry.

    The build runs in our scope whatever default scope is current: a plain
    mmengine Runner (or another library's) built earlier in the process
    leaves its own scope current, where mmengine would not find our types
    or the ones our parts build inside them (e.g. a head's losses).

    Args:
        cfg (dict): The part's config, with ``type``.

    Returns:
        nn.Module: The built part.
    """
    with DefaultScope.overwrite_default_scope(SCOPE):
        return MODELS.build(cfg)


def top1_accuracy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Percentage of samples whose highest logit is their label."""
    return (logits.argmax(dim=1) == labels).float().mean() * 100


def split_stripes(feature: torch.Tensor,
                  num_parts: int) -> Tuple[torch.Tensor, ...]:
    """Cut a feature map into ``num_parts`` horizontal stripes, top first.

    Heights may be uneven (``torch.tensor_split``): with H rows, the first
    ``H % num_parts`` stripes get one row more than the others.

    Args:
        feature (Tensor): N x C x H x W feature map.
        num_parts (int): Number of stripes (at most H).

    Returns:
        tuple[Tensor]: ``num_parts`` views, N x C x h_i x W.
    """
    return torch.tensor_split(feature, num_parts, dim=2)


def stripe_rows(height: int, num_parts: int) -> List[Tuple[int, int]]:
    """Rows ``[start, end)`` of each stripe of :func:`split_stripes` for a
    feature map ``height`` rows tall, top first."""
    rows = torch.arange(height).view(1, 1, height, 1)
    return [(int(part.min()), int(part.max()) + 1)
            for part in split_stripes(rows, num_parts)]
