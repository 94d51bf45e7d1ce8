"""Average query expansion (AQE), as fast-reid applies it before ranking.

Each query q is replaced by the weighted mean of itself and its k most
cosine-similar gallery features g_1..g_k, with weights ``s_i ** alpha``
(``s_i`` the cosine similarity, floored at 0 so that a negative similarity
cannot take a fractional power; q has weight 1 = 1 ** alpha)::

    q' = (q + sum_i s_i^alpha g_i) / (1 + sum_i s_i^alpha)

Raw (not normalised) features are averaged, as in fast-reid.
"""
from dataclasses import dataclass
from typing import Optional

import torch

from .distance import PairwiseDistance
from .distributed_rows import split_rows
from .inputs import options_from_cfg
from .rerank_steps import row_block


@dataclass(frozen=True)
class AQEOptions:
    """The parameters of :func:`average_query_expansion`.

    Args:
        k (int): Gallery neighbours averaged per query. Defaults to 5.
        alpha (float): Exponent of the similarity weights. Defaults to 3.0.
    """
    k: int = 5
    alpha: float = 3.0

    @classmethod
    def from_cfg(cls, cfg: Optional[dict]) -> 'AQEOptions':
        """Options from a config dict (e.g. ``ReIDMetric``'s ``aqe_cfg``),
        with an error naming any unknown key."""
        return options_from_cfg(cls, cfg, 'aqe_cfg')


def average_query_expansion(query: torch.Tensor,
                            gallery: torch.Tensor,
                            k: int = 5,
                            alpha: float = 3.0,
                            distributed: bool = False) -> torch.Tensor:
    """The expanded queries.

    Args:
        query (Tensor): Q x D float32 features.
        gallery (Tensor): G x D float32 features.
        k (int): Gallery neighbours averaged per query. Defaults to 5.
        alpha (float): Exponent of the similarity weights. Defaults to 3.0.
        distributed (bool): Split the queries over the processes.

    Returns:
        Tensor: Q x D float32 expanded query features.
    """
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= len(
            gallery):
        raise ValueError(f'aqe_cfg k must be an int in [1, {len(gallery)}] '
                         f'(the gallery size), got {k!r}')
    if not alpha >= 0:
        raise ValueError(f'aqe_cfg alpha must be >= 0, got {alpha!r}')
    similarity = PairwiseDistance(gallery, 'cosine')

    def expand(start: int, end: int):
        rows = []
        for first in range(start, end, row_block(len(gallery))):
            block = query[first:min(end, first + row_block(len(gallery)))]
            nearest = similarity(block).topk(k, dim=1, largest=False)
            weights = (1 - nearest.values).clamp_min_(0).pow_(alpha)
            neighbours = gallery[nearest.indices.flatten()].view(
                len(block), k, -1)
            summed = block + torch.einsum('ck,ckd->cd', weights, neighbours)
            rows.append(summed / (1 + weights.sum(dim=1, keepdim=True)))
        return (torch.cat(rows) if rows else query[:0].clone(), )

    return split_rows(expand, len(query), row_block(len(gallery)),
                      distributed)[0]
