"""Counts of the negative query-gallery distances between the positive ones,
in one bounded pass over the distance blocks (the verification's core).

A pair of a query and a gallery entry of the same person id is a positive
(:func:`is_true_match`) or junk (:func:`is_junk`); every other pair is a
negative. Positives are few (about Q x the images per identity), so their
distances are kept; the ~Q x G negatives are only counted, never kept or
sorted:

- The distances are compared as their float bits (non-negative floats are
  ordered like their int32 bit patterns, :data:`FLOAT_BITS`).
- Each negative ``x`` goes to the bin ``2 n + e``, ``n`` the number of
  distinct positive distances below it and ``e`` whether it equals one
  (ties), through a lookup table over the positives' range (one gather,
  one compare per positive sharing a table bucket) and one ``bincount``.
  Each open bin also keeps its largest negative (the ROC corner that ends
  a run of negatives).
- The negatives at or below the largest FPR quantile asked for are kept
  (about ``max_fpr x`` the negatives), for exact quantiles.

The bins are set by the positive distances, which the same blocks compute:
they are predicted first from a product of each query block with only the
gallery rows of its identities (the same float32 product restricted to some
columns: the same bits on the CPU products tested), and the pass checks
them; should a product give other bits, the pass runs again with the true
ones, so the counts are exact in every case.
"""
from typing import Callable, List, NamedTuple, Optional

import numpy as np
import torch

from .distance import PairwiseDistance
from .distributed_rows import dist_info, row_share
from .retrieval import is_junk, is_true_match

# Bits that stand for a same-identity pair inside a block of negatives: a
# NaN pattern, above every finite distance's bits.
SENTINEL_BITS = 0x7FFFFFFF
# Bits of the lookup table's bucket index over the positives' range: 2^22
# int32 entries (16 MiB); a finer table means fewer compares per negative
# (one per positive sharing its bucket), a coarser one fewer cache misses.
TABLE_BITS = 22
# Elements of a block handled at once by the counting (bounds its int64
# temporaries to 16 MiB each).
SLICE_ELEMENTS = 1 << 21
# Query rows of one product of the positives' prediction: their gallery
# rows are a few thousand at most, not the whole gallery.
PREDICT_ROWS = 64


class SamePersonPairs(NamedTuple):
    """The same-identity query-gallery pairs, sorted by query row.

    Attributes:
        rows (ndarray): int64 query rows.
        cols (ndarray): int64 gallery columns.
        positive (ndarray): bool, a true match (else junk).
    """
    rows: np.ndarray
    cols: np.ndarray
    positive: np.ndarray

    @classmethod
    def build(cls, query_pids, query_camids, gallery_pids,
              gallery_camids) -> 'SamePersonPairs':
        """Every query's gallery entries of its person id (numpy arrays)."""
        order = np.argsort(gallery_pids, kind='stable')
        sorted_pids = gallery_pids[order]
        lo = np.searchsorted(sorted_pids, query_pids, 'left')
        hi = np.searchsorted(sorted_pids, query_pids, 'right')
        counts = hi - lo
        rows = np.repeat(np.arange(len(query_pids)), counts)
        starts = np.cumsum(counts) - counts
        within = np.arange(int(counts.sum())) - np.repeat(starts, counts)
        cols = order[np.repeat(lo, counts) + within]
        positive = is_true_match(query_pids[rows], query_camids[rows],
                                 gallery_pids[cols], gallery_camids[cols])
        junk = is_junk(query_pids[rows], query_camids[rows],
                       gallery_pids[cols], gallery_camids[cols])
        assert bool(np.all(positive ^ junk))  # one rule or the other
        return cls(rows.astype(np.int64), cols.astype(np.int64), positive)

    def block(self, start: int, end: int) -> 'SamePersonPairs':
        """The pairs of query rows ``[start, end)``, rows made local."""
        i, j = np.searchsorted(self.rows, (start, end))
        return SamePersonPairs(self.rows[i:j] - start, self.cols[i:j],
                               self.positive[i:j])


class BinTable:
    """Maps float bits to the bins ``2 n + e`` of the distinct positives.

    Args:
        positives (Tensor): Sorted distinct int32 bits of the positive
            distances (at least one).
    """

    def __init__(self, positives: torch.Tensor):
        self.values = positives
        self.num = len(positives)
        self.low = int(positives[0])
        self.span = int(positives[-1]) - self.low + 1
        self.shift = max(0, (self.span - 1).bit_length() - TABLE_BITS)
        buckets = ((self.span - 1) >> self.shift) + 1
        # first[c]: positives below the start of bucket c (int32: a small
        # table is read faster, from the cache).
        offsets = (positives.long() - self.low) >> self.shift
        per_bucket = torch.bincount(offsets, minlength=buckets)
        self.first = torch.zeros(buckets, dtype=torch.int32)
        self.first[1:] = torch.cumsum(per_bucket, 0)[:-1]
        self.steps = int(per_bucket.max())
        # Padded so that first + step and the count index safely; the pad
        # is above every distance's bits and equals the sentinel, which
        # thus falls into a bin of its own.
        self.padded = torch.cat([positives,
                                 torch.full((self.steps + 1, ),
                                            SENTINEL_BITS,
                                            dtype=torch.int32)])
        self._buffers = None

    @property
    def num_bins(self) -> int:
        """Bins: the open interval below each positive, each positive, the
        interval above the last one, and the same-identity pairs'
        sentinels (which equal the pad)."""
        return 2 * self.num + 2

    def bins(self, bits: torch.Tensor) -> torch.Tensor:
        """int64 bin of each int32 bit pattern (1-D, at most
        ``SLICE_ELEMENTS``), in a buffer reused by the next call (reused
        buffers keep the heap from fragmenting over thousands of slices).
        """
        num = len(bits)
        if self._buffers is None:
            self._buffers = [torch.empty(SLICE_ELEMENTS, dtype=dtype)
                             for dtype in (torch.int64, torch.int64,
                                           torch.int64, torch.int32,
                                           torch.bool)]
        wide, start, count, narrow, flag = (b[:num] for b in self._buffers)
        # Bits below the first positive go to bucket 0 and count none,
        # those above the last to the last bucket and count all.
        wide.copy_(bits).sub_(self.low).clamp_(
            0, self.span - 1).bitwise_right_shift_(self.shift)
        torch.index_select(self.first, 0, wide, out=narrow)
        start.copy_(narrow)
        count.copy_(start)
        for step in range(self.steps):
            index = start if step == 0 else torch.add(start, step, out=wide)
            torch.index_select(self.padded, 0, index, out=narrow)
            count.add_(torch.lt(narrow, bits, out=flag))
        torch.index_select(self.padded, 0, count, out=narrow)
        return count.mul_(2).add_(torch.eq(narrow, bits, out=flag))


class PassCounts(NamedTuple):
    """What one process's pass counted over its query rows.

    Attributes:
        counts (Tensor): int64 negatives per bin.
        largest (Tensor): int32 largest negative bits per bin (-1: none).
        kept (Tensor): int32 bits of the negatives at or below the cut.
        positives (Tensor): int32 bits of the positive pairs, in pair order.
    """
    counts: torch.Tensor
    largest: torch.Tensor
    kept: torch.Tensor
    positives: torch.Tensor


def predict_positive_bits(distance: PairwiseDistance, query: torch.Tensor,
                          pairs: SamePersonPairs, start: int,
                          end: int) -> torch.Tensor:
    """Bits of the positive distances of query rows ``[start, end)``, from
    the product of a few query rows at a time with only the gallery rows
    they pair with (a few % of the full product)."""
    parts = []
    for q0 in range(start, end, PREDICT_ROWS):
        q1 = min(q0 + PREDICT_ROWS, end)
        block = pairs.block(q0, q1)
        keep = torch.from_numpy(block.positive)
        if not bool(keep.any()):
            continue
        cols = np.unique(block.cols)
        index = torch.from_numpy(cols)
        sub = PairwiseDistance(distance.gallery[index], distance.metric,
                               distance.gallery_term[index])
        dist = sub(query[q0:q1])
        where = torch.from_numpy(np.searchsorted(cols, block.cols))
        rows = torch.from_numpy(block.rows)
        parts.append(_bits(dist[rows[keep], where[keep]]))
    return _cat(parts)


def count_pass(distance_block: Callable, pairs: SamePersonPairs,
               table: BinTable, start: int, end: int, chunk: int,
               keep_count: int) -> PassCounts:
    """Count the negatives of query rows ``[start, end)`` into the bins.

    Args:
        distance_block (callable): ``(s, e)`` -> (e - s) x G distances.
        pairs (SamePersonPairs): All queries' same-identity pairs.
        table (BinTable): The bins.
        start, end (int): This process's query rows.
        chunk (int): Query rows per block.
        keep_count (int): Negatives to keep from the bottom (at least
            this many of the smallest are kept).

    Returns:
        PassCounts: The counts; ``kept`` holds every negative at or below
        the bin where ``keep_count`` negatives are reached.
    """
    counts = torch.zeros(table.num_bins, dtype=torch.int64)
    largest = torch.full((table.num_bins, ), -1, dtype=torch.int32)
    kept: List[torch.Tensor] = []
    positives: List[torch.Tensor] = []
    cut = SENTINEL_BITS - 1
    for q0 in range(start, end, chunk):
        q1 = min(q0 + chunk, end)
        bits = _bits(distance_block(q0, q1))
        block = pairs.block(q0, q1)
        rows, cols = torch.from_numpy(block.rows), torch.from_numpy(
            block.cols)
        same = bits[rows, cols]
        positives.append(same[torch.from_numpy(block.positive)])
        bits[rows, cols] = SENTINEL_BITS
        flat = bits.view(-1)
        for s in range(0, len(flat), SLICE_ELEMENTS):
            part = flat[s:s + SLICE_ELEMENTS]
            bins = table.bins(part)
            counts += torch.bincount(bins, minlength=table.num_bins)
            largest.scatter_reduce_(0, bins, part, 'amax')
            # The cut only falls as counts grow: what is beyond it now
            # can never be among the keep_count smallest.
            cut = cut_bits(counts, table, keep_count)
            kept.append(part[part <= cut])
        kept = [_cat(kept)]
        kept[0] = kept[0][kept[0] <= cut]
    # The last bin holds the same-identity pairs' sentinels.
    counts[-1] = 0
    largest[-1] = -1
    return PassCounts(counts, largest, _cat(kept), _cat(positives))


def cut_bits(counts: torch.Tensor, table: BinTable, keep_count: int) -> int:
    """The largest bits to keep: every negative of the bins up to the one
    where the cumulative count reaches ``keep_count`` (all when never)."""
    cumulative = torch.cumsum(counts, 0)
    reached = int(torch.searchsorted(cumulative, keep_count))
    if reached >= 2 * table.num:
        return SENTINEL_BITS - 1
    value = int(table.values[reached // 2])
    return value if reached % 2 else value - 1


def count_all(distance: PairwiseDistance, query: torch.Tensor,
              pairs: SamePersonPairs, chunk: int, keep_count: int,
              distributed: bool):
    """The bins of all negatives, over this process's share of the rows.

    Returns:
        tuple: ``(table, counts, largest, kept, positives)``, summed /
        merged over the processes (``kept`` cut to the global bin).
    """
    rank, world_size = dist_info(distributed)
    start, end = row_share(len(query), chunk, rank, world_size)

    def distance_block(q0, q1):
        return distance(query[q0:q1])

    predicted = predict_positive_bits(distance, query, pairs, start, end)
    everyone = _gather(predicted, world_size)
    table = BinTable(torch.unique(everyone))
    local = count_pass(distance_block, pairs, table, start, end, chunk,
                       keep_count)
    differ = not torch.equal(local.positives, predicted)
    if _any(differ, world_size):
        # A product gave other bits than its column subset: count again
        # with the positives as the blocks computed them.
        everyone = _gather(local.positives, world_size)
        table = BinTable(torch.unique(everyone))
        local = count_pass(distance_block, pairs, table, start, end, chunk,
                           keep_count)
    counts, largest, kept = local.counts, local.largest, local.kept
    if world_size > 1:
        from mmengine.dist import all_reduce
        counts = counts.clone()
        all_reduce(counts, op='sum')
        all_reduce(largest, op='max')
        cut = cut_bits(counts, table, keep_count)
        kept = _gather(kept[kept <= cut], world_size)
    return table, counts, largest, kept, everyone


def _bits(dist: torch.Tensor) -> torch.Tensor:
    """int32 bits of distances >= 0, in place (-0.0 made +0.0's)."""
    return dist.view(torch.int32).bitwise_and_(0x7FFFFFFF)


def _cat(parts: List[torch.Tensor]) -> torch.Tensor:
    return torch.cat(parts) if parts else torch.zeros(0, dtype=torch.int32)


def _gather(local: torch.Tensor, world_size: int) -> torch.Tensor:
    if world_size == 1:
        return local
    from mmengine.dist import all_gather_object
    return torch.cat(all_gather_object(local))


def _any(flag: bool, world_size: int) -> bool:
    if world_size == 1:
        return flag
    from mmengine.dist import all_gather_object
    return any(all_gather_object(flag))


def no_positive_error(num_queries: int) -> Optional[str]:
    """The message when no query has a true match (nothing to verify)."""
    return (f'none of the {num_queries} queries has a true match in the '
            'gallery (same person id, another camera): the verification '
            'rates need positive pairs')
