"""The pooling of the necks: 'avg', 'max' or 'gem' (mmpretrain's GeM)."""
from typing import Optional

import torch
import torch.nn as nn
from mmpretrain.models.necks import GeneralizedMeanPooling

POOLINGS = ('avg', 'max', 'gem')


class FeaturePooling(nn.Module):
    """Pool an N x C x H x W map to N x C by average, max or GeM.

    GeM is mmpretrain's ``GeneralizedMeanPooling`` (Radenovic et al. 2018):
    ``(mean(clamp(x, eps) ** p)) ** (1 / p)`` over H x W; p = 1 is the
    average, p -> infinity the maximum. The re-ID toolboxes start from p = 3
    and learn it (``gem_p_trainable``).

    Args:
        pooling (str): 'avg', 'max' or 'gem'. Defaults to 'avg'.
        gem_p (float): Initial exponent of GeM (>= 1). Defaults to 3.
        gem_p_trainable (bool): Learn p. Defaults to True.
        owner (str, optional): Who asked, for the error message.
    """

    def __init__(self,
                 pooling: str = 'avg',
                 gem_p: float = 3.0,
                 gem_p_trainable: bool = True,
                 owner: Optional[str] = None):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f'{owner or "FeaturePooling"}: unknown pooling '
                             f'{pooling!r}, expected one of {POOLINGS}.')
        if pooling == 'gem' and not gem_p >= 1:
            raise ValueError(f'{owner or "FeaturePooling"}: gem_p must be '
                             f'>= 1, got {gem_p!r}.')
        self.pooling = pooling
        self.gem = GeneralizedMeanPooling(
            p=gem_p, p_trainable=gem_p_trainable) if pooling == 'gem' \
            else None

    def forward(self, feature: torch.Tensor) -> torch.Tensor:
        """N x C of an N x C x H x W map."""
        if self.pooling == 'avg':
            return feature.mean(dim=(2, 3))
        if self.pooling == 'max':
            return feature.amax(dim=(2, 3))
        return self.gem(feature)

    def extra_repr(self) -> str:
        return f'pooling={self.pooling!r}'
