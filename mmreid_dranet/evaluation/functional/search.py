"""Exact top-k gallery search in bounded-memory blocks.

Distances are those of the evaluation (:class:`PairwiseDistance`: squared
euclidean or cosine, clamped at 0) and so is the order: ascending distance,
equal distances in gallery order, i.e. the first ``topk`` entries of a
stable sort of each query's distance row.

The search never holds a Q x G matrix. The gallery is read block by block
(``block_elements // D`` rows, converted to float32 when it is stored as
float16; each block's norms computed once per gallery), each block against
blocks of queries; a running top-k per query is merged with each block's
top-k. Each distance becomes an int64 key
``(float bits << index bits) | gallery index``, so one integer ``topk``
ranks by distance and then by index, exactly like the stable sort (the
float bits of non-negative floats are ordered like the floats).
"""
from typing import Callable, NamedTuple, Optional

import torch

from .distance import PairwiseDistance, check_metric
from .retrieval import (DEFAULT_BLOCK_ELEMENTS, FLOAT_BITS,
                        decode_distance_keys, distance_keys, index_bits,
                        is_junk)

_EXCLUDED = torch.iinfo(torch.int64).max


class TopK(NamedTuple):
    """Ranked gallery entries of each query.

    Attributes:
        indices (Tensor): Q x k int64 gallery indices, best first; -1 pads
            rows with fewer than k entries (all others were excluded).
        distances (Tensor): Q x k float32 distances; inf where padded.
    """
    indices: torch.Tensor
    distances: torch.Tensor


class GalleryBlocks:
    """A gallery cut into row blocks, each block's distance term (squared
    or inverse norms, G floats in all) computed once.

    A gallery is searched many times; without the cache each search would
    read the whole gallery twice (norms, then products), which doubles the
    time of a single-query search.

    Args:
        gallery (Tensor): G x D float32 or float16 gallery.
        metric (str): ``'euclidean'`` or ``'cosine'``.
        block_elements (int): Entries per block (rows = this // D).
    """

    def __init__(self, gallery: torch.Tensor, metric: str = 'euclidean',
                 block_elements: int = DEFAULT_BLOCK_ELEMENTS):
        self.gallery = gallery
        self.metric = check_metric(metric)
        num, dim = gallery.shape
        self.rows = max(1, min(num, block_elements // max(dim, 1)))
        self.bounds = [(g0, min(g0 + self.rows, num))
                       for g0 in range(0, num, self.rows)]
        self.terms = [
            PairwiseDistance(gallery[g0:g1].float(), metric).gallery_term
            for g0, g1 in self.bounds
        ]

    def distance(self, block: int) -> PairwiseDistance:
        """The evaluation's distance to one block, with its cached term
        (the same numbers as ``PairwiseDistance(block rows, metric)``)."""
        g0, g1 = self.bounds[block]
        return PairwiseDistance(self.gallery[g0:g1].float(), self.metric,
                                gallery_term=self.terms[block])


def junk_exclusion(query_pids: torch.Tensor, query_camids: torch.Tensor,
                   gallery_pids: torch.Tensor,
                   gallery_camids: torch.Tensor) -> Callable:
    """The protocol's junk pairs as the ``exclude`` of :func:`exact_topk`.

    Args:
        query_pids, query_camids (Tensor): Q int64 ids of the queries.
        gallery_pids, gallery_camids (Tensor): G int64 ids of the gallery
            (same device).

    Returns:
        callable: ``exclude(q0, q1, g0, g1)`` -> (q1 - q0) x (g1 - g0) bool,
        True where the pair is junk (:func:`is_junk`).
    """

    def exclude(q0: int, q1: int, g0: int, g1: int) -> torch.Tensor:
        return is_junk(query_pids[q0:q1, None], query_camids[q0:q1, None],
                       gallery_pids[None, g0:g1], gallery_camids[None, g0:g1])

    return exclude


def exact_topk(queries: torch.Tensor,
               gallery: GalleryBlocks,
               topk: int,
               exclude: Optional[callable] = None,
               block_elements: int = DEFAULT_BLOCK_ELEMENTS) -> TopK:
    """The ``topk`` nearest gallery entries of each query.

    Args:
        queries (Tensor): Q x D float32 queries.
        gallery (GalleryBlocks): The gallery (float16 blocks are converted
            to float32 before the distances) and its metric.
        topk (int): Entries per query (at most G are returned).
        exclude (callable, optional): ``exclude(q0, q1, g0, g1)`` -> bool
            (q1 - q0) x (g1 - g0) mask of pairs left out of the ranking
            (e.g. :func:`junk_exclusion`, the protocol's junk).
        block_elements (int): Bounds the distances of one block: query
            rows = this // gallery block rows.

    Returns:
        TopK: Indices and distances, best first.
    """
    num_query = len(queries)
    num_gallery = len(gallery.gallery)
    k = min(int(topk), num_gallery)
    query_rows = max(1, block_elements // gallery.rows)
    col_bits = index_bits(num_gallery)
    if FLOAT_BITS + col_bits > 63:
        raise ValueError(f'a gallery of {num_gallery} entries is too large '
                         'for one exact search; split it')
    best = torch.full((num_query, k), _EXCLUDED, dtype=torch.int64,
                      device=queries.device)
    for block, (g0, g1) in enumerate(gallery.bounds):
        distance = gallery.distance(block)
        index = torch.arange(g0, g1, device=queries.device)
        for q0 in range(0, num_query, query_rows):
            q1 = min(q0 + query_rows, num_query)
            keys = distance_keys(distance(queries[q0:q1]), index, col_bits)
            if exclude is not None:
                keys.masked_fill_(exclude(q0, q1, g0, g1), _EXCLUDED)
            block_best = torch.topk(keys, min(k, g1 - g0), dim=1,
                                    largest=False, sorted=False).values
            merged = torch.cat([best[q0:q1], block_best], dim=1)
            best[q0:q1] = torch.topk(merged, k, dim=1, largest=False,
                                     sorted=False).values
    best = torch.sort(best, dim=1).values
    return _decode(best, col_bits)


def _decode(keys: torch.Tensor, col_bits: int) -> TopK:
    excluded = keys == _EXCLUDED
    indices, distances = decode_distance_keys(keys, col_bits)
    indices[excluded] = -1
    distances[excluded] = float('inf')
    return TopK(indices, distances)
