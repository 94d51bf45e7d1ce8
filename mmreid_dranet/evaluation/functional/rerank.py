"""k-reciprocal re-ranking (Zhong et al., "Re-ranking Person
Re-identification with k-reciprocal Encoding", CVPR 2017).

Two readings, chosen by ``variant``:

- ``'authors'`` (default): the authors' released code (``person-re-ranking``,
  ported as torchreid's ``utils/rerank.py::re_ranking``), step for step;
- ``'paper'``: the formulas as the paper writes them.

Both, over all samples (queries then gallery), with the original distance
``d`` (the evaluation metric: squared euclidean, as the authors' code gets
from features, or cosine) divided by each row's maximum over all samples:

- ranking of p: p first, then the others by distance; ``N(p, k)`` is its
  first k + 1 entries;
- ``R(p, k) = {g in N(p, k) | p in N(g, k)}`` (k-reciprocal neighbours);
- ``R*(p) = R(p, k1)`` united with ``R(q, h)`` for every ``q in R(p, k1)``
  whose ``R(q, h)`` shares enough members with ``R(p, k1)``: more than 2/3
  of them and ``h = round(k1 / 2)`` half to even (numpy's ``around``: 10
  for k1 = 20 and 21) in the authors' code; at least 2/3 and ``h = k1 / 2``
  rounded half up (11 for k1 = 21) in the paper's reading;
- ``V[p, g] = exp(-d(p, g))`` for ``g in R*(p)``, else 0, each row divided
  by its sum (``normalize_weights``; the authors' code always does);
- local query expansion: ``V[p] <- mean of V[g]`` over the first ``k2``
  entries of p's ranking (p included; k2 = 1 leaves V as is);
- Jaccard distance ``d_J(p, g) = 1 - m / (2 - m)`` with
  ``m = sum_j min(V[p, j], V[g, j])`` in the authors' code (their rows sum
  to 1); ``1 - m / (sum V[p] + sum V[g] - m)`` (sum of max) in the paper;
- final distance ``(1 - lambda) d_J + lambda d``.

Memory: V is sparse (a few hundred entries per sample); the neighbour
search, the weights and the query x gallery distances go by row blocks; no
(Q + G)^2 matrix is ever held. With ``distributed=True`` the neighbour
search and the weights (the costly steps) are split over the processes.
"""
from dataclasses import asdict, dataclass
from typing import Optional

import torch

from .distance import check_metric
from .distributed_rows import split_rows
from .inputs import as_feature_tensor, options_from_cfg
from .rerank_steps import (AllSamples, expanded_sets, nearest_neighbours,
                           query_expansion, reciprocal_sets, row_block,
                           segment_starts, set_weights)

RERANK_VARIANTS = ('authors', 'paper')
# (query entry, gallery entry) pairs of V handled at once (~6 arrays each).
PAIR_BLOCK = 1 << 21


@dataclass(frozen=True)
class RerankOptions:
    """The parameters of k-reciprocal re-ranking (see
    :class:`KReciprocalReranker`, which checks them).

    Args:
        k1 (int): k of the k-reciprocal sets. Defaults to 20.
        k2 (int): Neighbours of the local query expansion. Defaults to 6.
        lambda_value (float): Weight of the original distance. Defaults
            to 0.3.
        normalize_weights (bool): Divide each V row by its sum. Defaults
            to True.
        variant (str): ``'authors'`` or ``'paper'``. Defaults to
            ``'authors'``.
    """
    k1: int = 20
    k2: int = 6
    lambda_value: float = 0.3
    normalize_weights: bool = True
    variant: str = 'authors'

    @classmethod
    def from_cfg(cls, cfg: Optional[dict]) -> 'RerankOptions':
        """Options from a config dict (e.g. ``ReIDMetric``'s
        ``rerank_cfg``), with an error naming any unknown key."""
        return options_from_cfg(cls, cfg, 'rerank_cfg')

    def as_kwargs(self) -> dict:
        """The keyword arguments of :class:`KReciprocalReranker`."""
        return asdict(self)


class KReciprocalReranker:
    """Re-ranked query x gallery distances, served by blocks of queries.

    Args:
        query (Tensor): Q x D float32 query features.
        gallery (Tensor): G x D float32 gallery features (same device).
        metric (str): The original distance, ``'euclidean'`` (squared) or
            ``'cosine'``.
        k1 (int): k of the k-reciprocal sets. Defaults to 20.
        k2 (int): Neighbours averaged by the local query expansion (1 turns
            it off). Defaults to 6.
        lambda_value (float): Weight of the original distance. Defaults to
            0.3.
        normalize_weights (bool): Divide each V row by its sum. Defaults to
            True; must be True for ``variant='authors'``.
        variant (str): ``'authors'`` (their released code) or ``'paper'``.
        distributed (bool): Split the neighbour search and the weights over
            the processes of the default group (every process must build the
            reranker with the same inputs). Results do not change.
    """

    def __init__(self,
                 query: torch.Tensor,
                 gallery: torch.Tensor,
                 metric: str = 'euclidean',
                 k1: int = 20,
                 k2: int = 6,
                 lambda_value: float = 0.3,
                 normalize_weights: bool = True,
                 variant: str = 'authors',
                 distributed: bool = False):
        num_all = len(query) + len(gallery)
        _check_parameters(num_all, k1, k2, lambda_value, variant,
                          normalize_weights)
        self.authors = variant == 'authors'
        self.num_query, self.num_gallery = len(query), len(gallery)
        self.lambda_value = float(lambda_value)
        self.samples = AllSamples(query, gallery, check_metric(metric))
        neighbours, self.row_max = split_rows(
            lambda s, e: nearest_neighbours(self.samples, max(k1 + 1, k2), s,
                                            e), num_all, row_block(num_all),
            distributed)
        self.row_max.clamp_min_(torch.finfo(torch.float32).tiny)
        half = round(k1 / 2) if self.authors else (k1 + 1) // 2
        expanded = expanded_sets(
            reciprocal_sets(neighbours, k1), reciprocal_sets(neighbours, half),
            self.authors, 0, num_all)
        (weights, ) = split_rows(
            lambda s, e, sets=expanded: (set_weights(
                self.samples, sets, self.row_max, normalize_weights, s, e), ),
            num_all,
            row_block(max(expanded.shape[1], 1) * query.shape[1]),
            distributed)
        rows, cols, values = query_expansion(expanded, weights,
                                             neighbours[:, :k2])
        del expanded, weights, neighbours
        self.row_sums = values.new_zeros(num_all).index_add_(
            0, rows, values)
        in_query = rows < self.num_query
        self.query_cols, self.query_values = cols[in_query], values[in_query]
        self.query_start = segment_starts(rows[in_query], self.num_query)
        # Gallery rows of V grouped by column (rows ascending in a column).
        by_column = torch.argsort(cols[~in_query], stable=True)
        self.column_rows = (rows[~in_query] - self.num_query)[by_column]
        self.column_values = values[~in_query][by_column]
        self.column_start = segment_starts(cols[~in_query][by_column],
                                           num_all)

    def distances(self, start: int, end: int) -> torch.Tensor:
        """Re-ranked distances of queries ``start:end`` to the gallery.

        Args:
            start (int): First query.
            end (int): One past the last query.

        Returns:
            Tensor: (end - start) x G float32 distances in [0, 1].
        """
        samples = self.samples
        original = samples._to_gallery(samples.query[start:end])
        original.div_(self.row_max[start:end].unsqueeze(1))
        min_sums = self._min_sums(start, end)
        if self.authors:
            union = 2 - min_sums
        else:
            union = (self.row_sums[start:end].unsqueeze(1) +
                     self.row_sums[self.num_query:].unsqueeze(0) - min_sums)
        jaccard = 1 - min_sums / union
        return original.mul_(self.lambda_value).add_(
            jaccard, alpha=1 - self.lambda_value).clamp_min_(0)

    def _min_sums(self, start: int, end: int) -> torch.Tensor:
        """sum_j min(V[p, j], V[g, j]) for queries p and gallery g."""
        device = self.query_values.device
        first, last = int(self.query_start[start]), int(self.query_start[end])
        rows = torch.repeat_interleave(
            torch.arange(end - start, device=device),
            (self.query_start[start + 1:end + 1] -
             self.query_start[start:end]))
        cols = self.query_cols[first:last].long()
        values = self.query_values[first:last]
        col_first = self.column_start[cols]
        col_count = self.column_start[cols + 1] - col_first
        sums = values.new_zeros((end - start) * self.num_gallery)
        # Every entry (p, j) meets the gallery entries (g, j) of column j;
        # entries go in groups of a bounded number of such pairs.
        ends = torch.cumsum(col_count, 0)
        total = int(ends[-1]) if len(ends) else 0
        cuts = torch.searchsorted(
            ends, torch.arange(PAIR_BLOCK, max(total, PAIR_BLOCK), PAIR_BLOCK,
                               device=device))
        bounds = [0] + sorted(set(cuts.tolist()) - {0, len(cols)}) + [
            len(cols)]
        for a, b in zip(bounds[:-1], bounds[1:]):
            count = col_count[a:b]
            pair = torch.repeat_interleave(
                torch.arange(a, b, device=device), count)
            within = torch.arange(len(pair), device=device) - \
                torch.repeat_interleave(torch.cumsum(count, 0) - count, count)
            other = col_first[pair] + within
            sums.index_add_(
                0, rows[pair] * self.num_gallery + self.column_rows[other],
                torch.minimum(values[pair], self.column_values[other]))
        return sums.view(end - start, self.num_gallery)


def k_reciprocal_rerank(query_feats,
                        gallery_feats,
                        metric: str = 'euclidean',
                        k1: int = 20,
                        k2: int = 6,
                        lambda_value: float = 0.3,
                        normalize_weights: bool = True,
                        variant: str = 'authors') -> torch.Tensor:
    """The full Q x G re-ranked distance matrix (small problems, tests).

    Args:
        query_feats (ndarray | Tensor): Q x D features.
        gallery_feats (ndarray | Tensor): G x D features.
        metric, k1, k2, lambda_value, normalize_weights, variant: See
            :class:`KReciprocalReranker`.

    Returns:
        Tensor: Q x G float32 re-ranked distances.
    """
    query = as_feature_tensor(query_feats, 'query_feats')
    reranker = KReciprocalReranker(
        query, as_feature_tensor(gallery_feats, 'gallery_feats'), metric, k1,
        k2, lambda_value, normalize_weights, variant)
    return reranker.distances(0, len(query))


def _check_parameters(num_all, k1, k2, lambda_value, variant, normalize):
    for name, value in (('k1', k1), ('k2', k2)):
        if isinstance(value, bool) or not isinstance(
                value, int) or not 1 <= value < num_all:
            raise ValueError(f'{name} must be an int in [1, {num_all}) '
                             f'(the number of samples), got {value!r}')
    if not 0 <= lambda_value <= 1:
        raise ValueError(
            f'lambda_value must be in [0, 1], got {lambda_value!r}')
    if variant not in RERANK_VARIANTS:
        raise ValueError(f'unknown re-ranking variant {variant!r}; expected '
                         f'one of {RERANK_VARIANTS}')
    if variant == 'authors' and not normalize:
        raise ValueError("variant='authors' normalises the weights (its "
                         "Jaccard form 1 - m / (2 - m) needs rows summing to "
                         "1); use variant='paper' for normalize_weights="
                         'False')
