"""k-reciprocal re-ranking (Zhong et al., "Re-ranking Person
Re-identification with k-reciprocal Encoding", CVPR 2017).

Definitions, over all samples (queries and gallery together), with the
original distance ``d`` (the evaluation metric) divided by each row's
maximum:

- ``N(p, k)``: the k nearest neighbours of ``p`` besides ``p`` itself, i.e.
  the first k + 1 of its ranking, ``p`` included;
- ``R(p, k) = {g in N(p, k) | p in N(g, k)}`` (k-reciprocal neighbours);
- ``R*(p, k) = R(p, k) U R(q, k/2)`` for every ``q in R(p, k)`` with
  ``|R(p, k) & R(q, k/2)| >= 2/3 |R(q, k/2)|`` (k/2 rounded half up);
- ``V[p, g] = exp(-d(p, g))`` for ``g in R*(p, k1)``, else 0; with
  ``normalize_weights`` each row is divided by its sum (as in the authors'
  released code: it makes the vectors of near and far samples comparable);
- local query expansion: ``V[p] <- mean of V[g]`` over the ``k2`` nearest
  samples of ``p``, ``p`` included;
- Jaccard distance ``d_J(p, g) = 1 - sum_j min(V[p,j], V[g,j]) /
  sum_j max(V[p,j], V[g,j])``, with ``sum max = sum V[p] + sum V[g] -
  sum min``;
- final distance ``(1 - lambda) d_J + lambda d``.

Memory: the V vectors are sparse (a few hundred entries per sample), the
neighbour search and the query x gallery distances go by row blocks; no
(Q + G)^2 matrix is ever held.
"""
from typing import Tuple

import torch

from .distance import PairwiseDistance
from .inputs import as_feature_tensor

_BLOCK_ELEMENTS = 1 << 24


class KReciprocalReranker:
    """Re-ranked query x gallery distances, served by blocks of queries.

    Args:
        query (Tensor): Q x D float32 query features.
        gallery (Tensor): G x D float32 gallery features.
        metric (str): The original distance, ``'euclidean'`` (squared) or
            ``'cosine'``.
        k1 (int): k of the k-reciprocal sets. Defaults to 20.
        k2 (int): Neighbours averaged by the local query expansion (1 turns
            it off). Defaults to 6.
        lambda_value (float): Weight of the original distance. Defaults to
            0.3.
        normalize_weights (bool): Divide each V row by its sum. Defaults to
            True.
    """

    def __init__(self,
                 query: torch.Tensor,
                 gallery: torch.Tensor,
                 metric: str = 'euclidean',
                 k1: int = 20,
                 k2: int = 6,
                 lambda_value: float = 0.3,
                 normalize_weights: bool = True):
        num_all = len(query) + len(gallery)
        for name, value in (('k1', k1), ('k2', k2)):
            if not isinstance(value, int) or not 1 <= value < num_all:
                raise ValueError(f'{name} must be an int in [1, {num_all}) '
                                 f'(the number of samples), got {value!r}')
        if not 0 <= lambda_value <= 1:
            raise ValueError(
                f'lambda_value must be in [0, 1], got {lambda_value!r}')
        self.num_query = len(query)
        self.lambda_value = float(lambda_value)
        self.gallery_distance = PairwiseDistance(gallery, metric)
        self.query = query
        samples = torch.cat([query, gallery])
        neighbours, self.row_max = _nearest_neighbours(samples, metric, k1)
        expanded = _expanded_reciprocal_sets(neighbours, (k1 + 1) // 2 + 1)
        weights = _weights(samples, metric, expanded, self.row_max,
                           normalize_weights)
        self.vectors = _query_expansion(expanded, weights,
                                        neighbours[:, :k2], num_all)
        self.row_sums = torch.zeros(num_all).index_add_(
            0, self.vectors[0], self.vectors[2])
        by_column = torch.argsort(self.vectors[1] * num_all +
                                  self.vectors[0])
        self.column_rows = self.vectors[0][by_column]
        self.column_values = self.vectors[2][by_column]
        self.column_start = _segment_starts(self.vectors[1][by_column],
                                            num_all)
        self.row_start = _segment_starts(self.vectors[0], num_all)

    def distances(self, start: int, end: int) -> torch.Tensor:
        """Re-ranked distances of queries ``start:end`` to the gallery.

        Args:
            start (int): First query.
            end (int): One past the last query.

        Returns:
            Tensor: (end - start) x G float32 distances in [0, 1].
        """
        num_gallery = len(self.gallery_distance.gallery)
        original = self.gallery_distance(self.query[start:end])
        original.div_(self.row_max[start:end].unsqueeze(1))
        min_sums = self._min_sums(start, end, num_gallery)
        jaccard = 1 - min_sums / (
            self.row_sums[start:end].unsqueeze(1) +
            self.row_sums[self.num_query:].unsqueeze(0) - min_sums)
        return original.mul_(self.lambda_value).add_(
            jaccard, alpha=1 - self.lambda_value).clamp_min_(0)

    def _min_sums(self, start: int, end: int, num_gallery: int
                  ) -> torch.Tensor:
        """sum_j min(V[p, j], V[g, j]) for queries p and gallery g."""
        first, last = self.row_start[start], self.row_start[end]
        rows = self.vectors[0][first:last] - start
        cols = self.vectors[1][first:last]
        values = self.vectors[2][first:last]
        # Every entry (p, j) meets the entries (g, j) of column j.
        col_first = self.column_start[cols]
        col_count = self.column_start[cols + 1] - col_first
        pair = torch.repeat_interleave(torch.arange(len(cols)), col_count)
        within = torch.arange(len(pair)) - torch.repeat_interleave(
            torch.cumsum(col_count, 0) - col_count, col_count)
        other = col_first[pair] + within
        others = self.column_rows[other] - self.num_query
        keep = others >= 0
        pair, other, others = pair[keep], other[keep], others[keep]
        mins = torch.minimum(values[pair], self.column_values[other])
        sums = torch.zeros((end - start) * num_gallery)
        sums.index_add_(0, rows[pair] * num_gallery + others, mins)
        return sums.view(end - start, num_gallery)


def k_reciprocal_rerank(query_feats,
                        gallery_feats,
                        metric: str = 'euclidean',
                        k1: int = 20,
                        k2: int = 6,
                        lambda_value: float = 0.3,
                        normalize_weights: bool = True) -> torch.Tensor:
    """The full Q x G re-ranked distance matrix (small problems, tests).

    Args:
        query_feats (ndarray | Tensor): Q x D features.
        gallery_feats (ndarray | Tensor): G x D features.
        metric, k1, k2, lambda_value, normalize_weights: See
            :class:`KReciprocalReranker`.

    Returns:
        Tensor: Q x G float32 re-ranked distances.
    """
    query = as_feature_tensor(query_feats, 'query_feats')
    reranker = KReciprocalReranker(
        query, as_feature_tensor(gallery_feats, 'gallery_feats'), metric, k1,
        k2, lambda_value, normalize_weights)
    return reranker.distances(0, len(query))


def _nearest_neighbours(samples: torch.Tensor, metric: str,
                        k: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """First k + 1 of every ranking (N x (k + 1)) and each row's max."""
    distance = PairwiseDistance(samples, metric)
    block = max(1, _BLOCK_ELEMENTS // len(samples))
    neighbours, row_max = [], []
    for start in range(0, len(samples), block):
        dist = distance(samples[start:start + block])
        # Each sample first, whatever ties it has with duplicates.
        rows = torch.arange(len(dist))
        dist[rows, rows + start] = -1
        neighbours.append(dist.topk(k + 1, dim=1, largest=False).indices)
        row_max.append(dist.amax(dim=1))
    return torch.cat(neighbours), torch.cat(row_max).clamp_min_(
        torch.finfo(torch.float32).tiny)


def _reciprocal(neighbours: torch.Tensor) -> torch.Tensor:
    """Mask of the entries g of N(p) with p in N(g) (N x width)."""
    own = torch.arange(len(neighbours)).view(-1, 1, 1)
    return (neighbours[neighbours] == own).any(dim=2)


def _expanded_reciprocal_sets(neighbours: torch.Tensor,
                              half_width: int) -> torch.Tensor:
    """R*(p, k1) of every sample, as N x L sorted indices padded with -1."""
    num_all, width = neighbours.shape
    sets = torch.where(_reciprocal(neighbours), neighbours, -1)
    half = neighbours[:, :half_width]
    half_sets = torch.where(_reciprocal(half), half, -1)
    expanded = []
    block = max(1, _BLOCK_ELEMENTS // (width * width * half_width))
    for start in range(0, num_all, block):
        own = sets[start:start + block]  # B x W
        candidate_sets = half_sets[own.clamp_min(0)]  # B x W x H
        size = (candidate_sets >= 0).sum(dim=2)
        shared = ((candidate_sets.unsqueeze(3) == own.view(
            len(own), 1, 1, width)) & (candidate_sets.unsqueeze(3) >= 0)).any(
                dim=3).sum(dim=2)
        accept = (own >= 0) & (3 * shared >= 2 * size)
        added = torch.where(accept.unsqueeze(2), candidate_sets, -1)
        union = torch.cat([own, added.flatten(1)], dim=1)
        expanded.append(_unique_rows(union))
    longest = max(e.shape[1] for e in expanded)
    return torch.cat([
        torch.nn.functional.pad(e, (0, longest - e.shape[1]), value=-1)
        for e in expanded
    ])


def _unique_rows(indices: torch.Tensor) -> torch.Tensor:
    """Sorted distinct non-negative entries of each row, padded with -1."""
    big = torch.iinfo(indices.dtype).max
    values = torch.sort(torch.where(indices >= 0, indices, big), dim=1).values
    repeat = torch.zeros_like(values, dtype=torch.bool)
    repeat[:, 1:] = values[:, 1:] == values[:, :-1]
    values = torch.where(repeat | (values == big), big, values)
    values = torch.sort(values, dim=1).values
    width = int((values != big).sum(dim=1).max())
    return torch.where(values[:, :width] == big, -1, values[:, :width])


def _weights(samples: torch.Tensor, metric: str, sets: torch.Tensor,
             row_max: torch.Tensor, normalize: bool) -> torch.Tensor:
    """exp(-d(p, g) / row_max(p)) over R*(p) (0 on padding), N x L."""
    weights = torch.zeros(sets.shape)
    block = max(1, _BLOCK_ELEMENTS // (sets.shape[1] * samples.shape[1]))
    for start in range(0, len(samples), block):
        query = samples[start:start + block]
        members = samples[sets[start:start + block].clamp_min(0)]
        dot = torch.einsum('bd,bld->bl', query, members)
        if metric == 'euclidean':
            dist = (query.pow(2).sum(1, keepdim=True) +
                    members.pow(2).sum(2) - 2 * dot)
        else:
            dist = 1 - dot / (query.norm(dim=1, keepdim=True) *
                              members.norm(dim=2))
        dist = dist.clamp_min(0) / row_max[start:start + block].unsqueeze(1)
        weights[start:start + block] = torch.exp(-dist)
    weights[sets < 0] = 0
    if normalize:
        weights /= weights.sum(dim=1, keepdim=True)
    return weights


def _query_expansion(sets: torch.Tensor, weights: torch.Tensor,
                     expansion: torch.Tensor, num_all: int
                     ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Sparse mean of the V rows of each sample's k2 nearest samples.

    Returns:
        tuple[Tensor]: ``(rows, cols, values)`` sorted by row then column.
    """
    num_expand = expansion.shape[1]
    rows = torch.arange(num_all).view(-1, 1, 1).expand(
        -1, num_expand, sets.shape[1])
    cols = sets[expansion]  # N x k2 x L
    values = weights[expansion] / num_expand
    valid = cols >= 0
    keys = rows[valid] * num_all + cols[valid]
    unique_keys, inverse = torch.unique(keys, return_inverse=True)
    summed = torch.zeros(len(unique_keys)).index_add_(0, inverse,
                                                      values[valid])
    return unique_keys // num_all, unique_keys % num_all, summed


def _segment_starts(sorted_ids: torch.Tensor, num_ids: int) -> torch.Tensor:
    """Start of each id's run in ``sorted_ids`` (num_ids + 1 entries)."""
    counts = torch.bincount(sorted_ids, minlength=num_ids)
    return torch.cat([counts.new_zeros(1), torch.cumsum(counts, 0)])
