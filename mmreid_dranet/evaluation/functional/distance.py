"""Query x gallery distances, computed in blocks of query rows."""
from typing import Optional

import torch

from .inputs import squared_norms as row_squared_norms
from .products import inner_products

DISTANCE_METRICS = ('euclidean', 'cosine')


def check_metric(metric: str) -> str:
    """Return ``metric`` if it is a known distance, else raise ValueError."""
    if metric not in DISTANCE_METRICS:
        raise ValueError(f'unknown distance metric {metric!r}; expected one '
                         f'of {DISTANCE_METRICS}')
    return metric


class PairwiseDistance:
    """Distances from blocks of query features to a fixed gallery.

    ``'euclidean'`` is the squared euclidean distance
    ``|q|^2 + |g|^2 - 2 q.g`` (the square root changes no ranking and is left
    out), ``'cosine'`` is ``1 - q.g / (|q| |g|)``. Both are clamped at 0,
    which float32 rounding can cross for near-duplicates. A contiguous
    gallery is never copied: only its squared or inverse norms (G floats)
    are kept. A non-contiguous one (e.g. a Fortran-ordered array) is copied
    once here, G x D more floats, instead of by every block's product.

    Args:
        gallery (Tensor): G x D float32 gallery features.
        metric (str): ``'euclidean'`` or ``'cosine'``.
        gallery_term (Tensor, optional): The G per-row terms of an earlier
            ``PairwiseDistance`` of the same rows and metric (its
            ``gallery_term``), to reuse instead of recomputing them.
    """

    def __init__(self,
                 gallery: torch.Tensor,
                 metric: str = 'euclidean',
                 gallery_term: Optional[torch.Tensor] = None):
        self.gallery = gallery.contiguous()
        self.metric = check_metric(metric)
        if gallery_term is not None:
            self.gallery_term = gallery_term
        elif metric == 'euclidean':
            self.gallery_term = row_squared_norms(self.gallery)
        else:
            self.gallery_term = _inverse_norms(
                row_squared_norms(self.gallery), 'gallery')

    def __call__(self, query: torch.Tensor) -> torch.Tensor:
        """Distances of a block of queries to the whole gallery.

        Args:
            query (Tensor): C x D float32 query features.

        Returns:
            Tensor: C x G float32 distances, all >= 0.
        """
        query_norms = query.pow(2).sum(dim=1)
        if self.metric == 'euclidean':
            _check_no_overflow(query_norms, self.gallery_term)
            # -2 q is exact in float32, so this is |g|^2 - 2 q.g in one
            # product, as addmm(alpha=-2) gives it.
            dist = inner_products(query * -2, self.gallery,
                                  bias=self.gallery_term)
            dist.add_(query_norms.unsqueeze(1))
        else:
            query = query * _inverse_norms(query_norms, 'query').unsqueeze(1)
            dist = inner_products(query, self.gallery)
            dist.mul_(self.gallery_term.unsqueeze(0)).neg_().add_(1)
        return dist.clamp_min_(0)


def compute_distance(query: torch.Tensor,
                     gallery: torch.Tensor,
                     metric: str = 'euclidean') -> torch.Tensor:
    """The full Q x G distance matrix (see :class:`PairwiseDistance`).

    Args:
        query (Tensor): Q x D float32 features.
        gallery (Tensor): G x D float32 features.
        metric (str): ``'euclidean'`` (squared) or ``'cosine'``.

    Returns:
        Tensor: Q x G float32 distances.
    """
    return PairwiseDistance(gallery, metric)(query)


def _inverse_norms(squared_norms: torch.Tensor, name: str) -> torch.Tensor:
    num_zero = int((squared_norms == 0).sum())
    if num_zero:
        raise ValueError(f'{num_zero} {name} features are all zeros: the '
                         'cosine distance is undefined for them')
    return squared_norms.rsqrt()


def _check_no_overflow(query_norms: torch.Tensor,
                       gallery_norms: torch.Tensor) -> None:
    # |q - g|^2 <= 2 (|q|^2 + |g|^2): if that bound is finite, no
    # intermediate of the distance overflows float32.
    bound = 2 * (float(query_norms.max()) + float(gallery_norms.max()))
    if not bound < torch.finfo(torch.float32).max:
        raise ValueError('feature norms are too large for float32 euclidean '
                         f'distances (squared norms up to {bound / 2:.3g}); '
                         'rescale the features')
