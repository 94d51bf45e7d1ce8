"""The steps of k-reciprocal re-ranking, each over all samples, in blocks.

The samples are the queries followed by the gallery (``AllSamples``), never
copied into one tensor. Every step goes by blocks of rows so that no
(Q + G)^2 matrix is held; rows are independent, so a step can also run on a
share of the rows (one process of several) and be gathered.
"""
from typing import Tuple

import torch

from .distance import PairwiseDistance
from .retrieval import DEFAULT_BLOCK_ELEMENTS


class AllSamples:
    """Queries and gallery as one indexable set of N = Q + G samples.

    Args:
        query (Tensor): Q x D features.
        gallery (Tensor): G x D features.
        metric (str): ``'euclidean'`` (squared) or ``'cosine'``.
    """

    def __init__(self, query: torch.Tensor, gallery: torch.Tensor,
                 metric: str):
        self.query, self.gallery = query, gallery
        self.num_query = len(query)
        self.num = len(query) + len(gallery)
        self.metric = metric
        self.device = query.device
        self._to_query = PairwiseDistance(query, metric)
        self._to_gallery = PairwiseDistance(gallery, metric)
        # |x|^2 (euclidean) or 1 / |x| (cosine) of every sample.
        self.norm_terms = torch.cat(
            [self._to_query.gallery_term, self._to_gallery.gallery_term])

    def rows(self, start: int, end: int) -> torch.Tensor:
        """Features of samples ``start:end`` ((end - start) x D)."""
        q = self.num_query
        if end <= q:
            return self.query[start:end]
        if start >= q:
            return self.gallery[start - q:end - q]
        return torch.cat([self.query[start:], self.gallery[:end - q]])

    def take(self, indices: torch.Tensor) -> torch.Tensor:
        """Features of arbitrary samples (``indices.shape`` x D)."""
        flat = indices.reshape(-1).long()
        # One contiguous row gather from the (large) gallery, then the few
        # query rows patched in.
        out = torch.index_select(self.gallery, 0,
                                 (flat - self.num_query).clamp_min_(0))
        in_query = torch.nonzero(flat < self.num_query).squeeze(1)
        out[in_query] = self.query[flat[in_query]]
        return out.view(*indices.shape, -1)

    def distances(self, features: torch.Tensor) -> torch.Tensor:
        """Distances of C features to all N samples (C x N)."""
        return torch.cat([self._to_query(features),
                          self._to_gallery(features)], dim=1)


def row_block(num_columns: int) -> int:
    """Rows per block for a step whose rows hold ``num_columns`` values."""
    return max(1, DEFAULT_BLOCK_ELEMENTS // max(num_columns, 1))


def nearest_neighbours(samples: AllSamples, width: int, start: int,
                       end: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """The first ``width`` of each ranking, and each row's largest distance.

    Each sample is put first in its own ranking (the authors' code gets the
    same from its zero self-distance); ties otherwise keep no defined order.

    Args:
        samples (AllSamples): All samples.
        width (int): Neighbours kept (k + 1 for k neighbours besides self).
        start, end (int): The rows computed.

    Returns:
        tuple[Tensor]: (end - start) x width int64 indices and
        (end - start) float32 row maxima.
    """
    neighbours, row_max = [], []
    block = row_block(samples.num)
    for first in range(start, end, block):
        last = min(first + block, end)
        dist = samples.distances(samples.rows(first, last))
        local = torch.arange(last - first, device=dist.device)
        row_max.append(dist.amax(dim=1))
        dist[local, local + first] = -1
        neighbours.append(
            dist.topk(width, dim=1, largest=False, sorted=True).indices)
    if not neighbours:
        return (torch.zeros(0, width, dtype=torch.int64,
                            device=samples.device),
                torch.zeros(0, device=samples.device))
    return torch.cat(neighbours), torch.cat(row_max)


def reciprocal_sets(neighbours: torch.Tensor, k: int) -> torch.Tensor:
    """R(p, k): the g in the first k + 1 of p's ranking that have p in the
    first k + 1 of theirs; N x (k + 1), -1 where g is not reciprocal."""
    forward = neighbours[:, :k + 1]
    sets = []
    block = row_block((k + 1) * (k + 1))
    for start in range(0, len(forward), block):
        rows = forward[start:start + block]
        own = torch.arange(start, start + len(rows),
                           device=rows.device).view(-1, 1, 1)
        mutual = (forward[rows] == own).any(dim=2)
        sets.append(torch.where(mutual, rows, -1))
    return torch.cat(sets)


def expanded_sets(sets: torch.Tensor, half_sets: torch.Tensor,
                  strict: bool, start: int, end: int) -> torch.Tensor:
    """R*(p): R(p, k1) united with every R(q, k1/2), q in R(p, k1), that
    shares more than (``strict``) or at least 2/3 of its members with
    R(p, k1).

    Args:
        sets (Tensor): N x W reciprocal sets (-1 padded).
        half_sets (Tensor): N x H reciprocal sets at k1/2.
        strict (bool): ``>`` (the authors' code) or ``>=`` (the paper).
        start, end (int): The rows computed.

    Returns:
        Tensor: (end - start) x L sorted indices, -1 padded.
    """
    width, half_width = sets.shape[1], half_sets.shape[1]
    expanded = []
    block = row_block(width * width * half_width)
    for first in range(start, end, block):
        own = sets[first:min(first + block, end)]  # B x W
        candidate_sets = half_sets[own.clamp_min(0)]  # B x W x H
        size = (candidate_sets >= 0).sum(dim=2)
        shared = ((candidate_sets.unsqueeze(3) == own.view(
            len(own), 1, 1, width)) & (candidate_sets.unsqueeze(3) >= 0)).any(
                dim=3).sum(dim=2)
        enough = 3 * shared > 2 * size if strict else 3 * shared >= 2 * size
        accept = (own >= 0) & enough
        added = torch.where(accept.unsqueeze(2), candidate_sets, -1)
        expanded.append(unique_rows(torch.cat([own, added.flatten(1)], 1)))
    return pad_columns(expanded, sets.device)


def unique_rows(indices: torch.Tensor) -> torch.Tensor:
    """Sorted distinct non-negative entries of each row, padded with -1."""
    big = torch.iinfo(indices.dtype).max
    values = torch.sort(torch.where(indices >= 0, indices, big), dim=1).values
    repeat = torch.zeros_like(values, dtype=torch.bool)
    repeat[:, 1:] = values[:, 1:] == values[:, :-1]
    values = torch.where(repeat | (values == big), big, values)
    values = torch.sort(values, dim=1).values
    width = int((values != big).sum(dim=1).max()) if len(values) else 0
    return torch.where(values[:, :width] == big, -1, values[:, :width])


def pad_columns(parts, device, value: int = -1) -> torch.Tensor:
    """Concatenate row blocks of different widths, padding with ``value``."""
    if not parts:
        return torch.zeros(0, 0, dtype=torch.int64, device=device)
    width = max(p.shape[1] for p in parts)
    return torch.cat([
        torch.nn.functional.pad(p, (0, width - p.shape[1]), value=value)
        for p in parts
    ])


def set_weights(samples: AllSamples, sets: torch.Tensor,
                row_max: torch.Tensor, normalize: bool, start: int,
                end: int) -> torch.Tensor:
    """V[p, g] = exp(-d(p, g) / row_max(p)) over R*(p) (0 on padding), each
    row divided by its sum with ``normalize``; (end - start) x L."""
    width, dim = sets.shape[1], samples.query.shape[1]
    weights = []
    block = row_block(max(width, 1) * dim)
    for first in range(start, end, block):
        last = min(first + block, end)
        own = samples.rows(first, last)
        member_ids = sets[first:last].clamp_min(0)
        dot = torch.einsum('bd,bld->bl', own, samples.take(member_ids))
        own_terms = samples.norm_terms[first:last].unsqueeze(1)
        member_terms = samples.norm_terms[member_ids]
        if samples.metric == 'euclidean':
            dist = own_terms + member_terms - 2 * dot
        else:
            dist = 1 - dot * own_terms * member_terms
        dist = dist.clamp_min(0) / row_max[first:last].unsqueeze(1)
        weight = torch.exp(-dist).masked_fill_(sets[first:last] < 0, 0)
        if normalize:
            weight /= weight.sum(dim=1, keepdim=True)
        weights.append(weight)
    if not weights:
        return torch.zeros(0, width, device=samples.device)
    return torch.cat(weights)


def query_expansion(sets: torch.Tensor, weights: torch.Tensor,
                    expansion: torch.Tensor
                    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Sparse mean of the V rows of each sample's k2 nearest samples.

    Args:
        sets (Tensor): N x L column indices of V (-1 padded).
        weights (Tensor): N x L values of V.
        expansion (Tensor): N x k2 nearest samples (self first).

    Returns:
        tuple[Tensor]: ``(rows, cols, values)`` (int32, int32, float32)
        sorted by row then column.
    """
    num_all, num_expand = len(sets), expansion.shape[1]
    out_rows, out_cols, out_values = [], [], []
    block = row_block(num_expand * max(sets.shape[1], 1) * 4)
    for start in range(0, num_all, block):
        rows_expansion = expansion[start:start + block]
        count = len(rows_expansion)
        cols = sets[rows_expansion]  # B x k2 x L
        values = weights[rows_expansion] / num_expand
        valid = cols >= 0
        rows = torch.arange(count, device=sets.device).view(-1, 1, 1).expand(
            -1, num_expand, sets.shape[1])
        keys = rows[valid] * num_all + cols[valid]
        unique_keys, inverse = torch.unique(keys, return_inverse=True)
        summed = values.new_zeros(len(unique_keys)).index_add_(
            0, inverse, values[valid])
        out_rows.append((unique_keys // num_all + start).int())
        out_cols.append((unique_keys % num_all).int())
        out_values.append(summed)
    return torch.cat(out_rows), torch.cat(out_cols), torch.cat(out_values)


def segment_starts(sorted_ids: torch.Tensor, num_ids: int) -> torch.Tensor:
    """Start of each id's run in ``sorted_ids`` (num_ids + 1 entries)."""
    counts = torch.bincount(sorted_ids.long(), minlength=num_ids)
    return torch.cat([counts.new_zeros(1), torch.cumsum(counts, 0)])
