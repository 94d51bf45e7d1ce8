"""Ranks of the true matches of each query, without sorting the gallery.

The standard protocol sorts each query's distance row, drops the gallery
entries of the query's own identity seen by the query's own camera ("junk"),
and reads the positions of the true matches (same identity, other camera).
Only those positions matter, so instead of sorting G distances per query this
module counts, for each true match, the valid gallery entries that come
before it:

1. the largest true-match distance ``tau`` of the query bounds the search:
   an entry ranked after every true match changes no score;
2. the entries with ``d <= tau``, minus the query's own identity, are the
   candidates (few for a useful model, all of the gallery at worst);
3. every distance becomes an integer key ``(row, float bits, gallery index)``
   whose integer order is the order of a stable sort of the row (equal
   distances: lower gallery index first; float bits of a non-negative float
   are ordered like the floats); one ``searchsorted`` of the candidate keys
   among the sorted true-match keys and one ``bincount`` give, for every
   true match, how many candidates precede it.

Rank of the t-th true match (1-based) = t + preceding candidates. The result
equals that of an argsort-based evaluator using ``argsort(kind='stable')``.
"""
from typing import NamedTuple, Tuple

import torch

from .retrieval import FLOAT_BITS, distance_keys, index_bits, is_junk

# Above this share of candidates (entries <= tau), the block is counted with
# per-row bucket histograms (see _bucket_candidates) instead of keys.
DENSE_FRACTION = 0.125
_PROBE_COLUMNS = 2048
_NUM_BUCKETS = 4096
_BUCKET_PART_ELEMENTS = 1 << 21


class GalleryIdentityIndex:
    """The gallery grouped by person id, to find a query's same-id entries.

    Args:
        gallery_pids (Tensor): G int64 person ids.
        gallery_camids (Tensor): G int64 camera ids.
    """

    def __init__(self, gallery_pids: torch.Tensor,
                 gallery_camids: torch.Tensor):
        self.num_gallery = len(gallery_pids)
        order = torch.argsort(gallery_pids, stable=True)
        self.order = order
        self.sorted_pids = gallery_pids[order]
        self.sorted_camids = gallery_camids[order]

    def members(self, query_pids: torch.Tensor, query_camids: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Gallery entries sharing the person id of each query.

        Args:
            query_pids (Tensor): C int64 person ids.
            query_camids (Tensor): C int64 camera ids.

        Returns:
            tuple[Tensor]: ``cols`` (C x K gallery indices, padded with 0),
            ``is_match`` (C x K, same id and another camera) and ``is_junk``
            (C x K, same id and same camera); K is the largest group.
        """
        start = torch.searchsorted(self.sorted_pids, query_pids)
        end = torch.searchsorted(self.sorted_pids, query_pids, right=True)
        counts = end - start
        width = int(counts.max()) if len(counts) else 0
        offsets = torch.arange(width, device=start.device)
        is_member = offsets.unsqueeze(0) < counts.unsqueeze(1)
        positions = (start.unsqueeze(1) + offsets).clamp_max(
            max(self.num_gallery - 1, 0))
        cols = torch.where(is_member, self.order[positions], 0)
        junk = is_junk(query_pids.unsqueeze(1), query_camids.unsqueeze(1),
                       self.sorted_pids[positions],
                       self.sorted_camids[positions])
        return cols, is_member & ~junk, is_member & junk


class MatchRanks(NamedTuple):
    """Ranks of the true matches of a block of queries.

    Attributes:
        ranks (Tensor): T int64 ranks (1-based, junk removed), grouped by
            query and ascending within a query.
        query (Tensor): T int64 query index (within the block) of each rank.
        order (Tensor): T int64 position (0-based) of each true match among
            its query's true matches.
        num_matches (Tensor): C int64 number of true matches per query.
    """
    ranks: torch.Tensor
    query: torch.Tensor
    order: torch.Tensor
    num_matches: torch.Tensor


def rank_true_matches(dist: torch.Tensor, query_pids: torch.Tensor,
                      query_camids: torch.Tensor,
                      index: GalleryIdentityIndex) -> MatchRanks:
    """Rank of every true match of a block of queries.

    Args:
        dist (Tensor): C x G float32 distances, all >= 0 (no NaN).
        query_pids (Tensor): C int64 person ids.
        query_camids (Tensor): C int64 camera ids.
        index (GalleryIdentityIndex): The gallery's identities.

    Returns:
        MatchRanks: The ranks, as if each row were sorted stably.
    """
    num_rows, num_gallery = dist.shape
    col_bits = index_bits(num_gallery)
    max_rows = 1 << (63 - FLOAT_BITS - col_bits)
    if num_rows > max_rows:  # the row must fit in the key's high bits
        parts = [
            rank_true_matches(dist[s:s + max_rows], query_pids[s:s + max_rows],
                              query_camids[s:s + max_rows], index)
            for s in range(0, num_rows, max_rows)
        ]
        return _concat_blocks(parts, max_rows)

    device = dist.device
    cols, is_match, is_junk = index.members(query_pids, query_camids)
    member_dist = dist.gather(1, cols)
    match_dist = torch.where(is_match, member_dist, -1.0)
    tau = torch.cat([match_dist, match_dist.new_full((num_rows, 1), -1.0)],
                    dim=1).amax(dim=1)  # -1: no true match, no candidate
    rows = torch.arange(num_rows, device=device).unsqueeze(1).expand_as(cols)
    is_member = is_match | is_junk
    if _candidate_fraction(dist, tau) <= DENSE_FRACTION:
        candidates = dist <= tau.unsqueeze(1)
        candidates[rows[is_member], cols[is_member]] = False
        before_buckets = None
    else:
        candidates, before_buckets = _bucket_candidates(
            dist, tau, cols, is_match, is_member, member_dist)
    cand_rows, cand_cols = candidates.nonzero(as_tuple=True)
    del candidates
    cand_keys = distance_keys(dist[cand_rows, cand_cols], cand_cols,
                              col_bits, cand_rows)

    # Sorted keys of the true matches, each row closed by a sentinel above
    # any key of that row, so that rows never share a histogram bin.
    num_matches = is_match.sum(dim=1)
    match_keys, match_order = torch.sort(
        torch.cat([
            distance_keys(member_dist[is_match], cols[is_match], col_bits,
                          rows[is_match]),
            (torch.arange(num_rows, device=device) + 1 <<
             (FLOAT_BITS + col_bits)) - 1
        ]))
    bins = torch.searchsorted(match_keys, cand_keys)
    counts = torch.bincount(bins, minlength=len(match_keys))
    preceding = torch.cumsum(counts, dim=0) - counts  # exclusive

    row_start = torch.cumsum(num_matches + 1, dim=0) - (num_matches + 1)
    is_sentinel = torch.zeros(len(match_keys), dtype=torch.bool,
                              device=device)
    is_sentinel[row_start + num_matches] = True
    query = torch.repeat_interleave(
        torch.arange(num_rows, device=device), num_matches)
    position = torch.nonzero(~is_sentinel).squeeze(1)
    order = position - row_start[query]
    # Candidates before match t of a row: those in the row's bins 0..t.
    before = preceding[position + 1] - preceding[row_start[query]]
    if before_buckets is not None:
        # match_order maps sorted positions back to the row-major order of
        # rows[is_match], in which before_buckets is given.
        before = before + before_buckets[match_order[position]]
    return MatchRanks(before + order + 1, query, order, num_matches)


def _candidate_fraction(dist: torch.Tensor, tau: torch.Tensor) -> float:
    """Share of the entries at most ``tau``, estimated on a few columns."""
    probe = dist[:, :_PROBE_COLUMNS]
    if probe.numel() == 0:
        return 0.0
    return float((probe <= tau.unsqueeze(1)).sum()) / probe.numel()


def _bucket_candidates(dist: torch.Tensor, tau: torch.Tensor,
                       cols: torch.Tensor, is_match: torch.Tensor,
                       is_member: torch.Tensor, member_dist: torch.Tensor
                       ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Counting for rows where most entries are candidates (weak models).

    Each row's range ``[lo, tau]`` (lo: its smallest true-match distance, 0
    for a single match) is cut into ``_NUM_BUCKETS`` equal buckets. The map
    from a distance to its bucket, ``floor((d - lo) * scale + 1.5)`` clamped
    to ``[0, _NUM_BUCKETS + 1]``, is non-decreasing in float arithmetic, so an
    entry in a lower bucket than a true match is closer than it, one in a
    higher bucket is farther. A histogram per row counts the former; only
    the entries sharing a bucket with a true match are compared exactly.
    Rows go by parts of ``_BUCKET_PART_ELEMENTS`` entries, which bounds the
    int64 bucket temporaries.

    Returns:
        tuple[Tensor]: ``exact`` (C x G bool, the entries to compare by
        key) and, for every true match (row-major order of ``is_match``),
        the number of non-member entries in lower buckets without a match.
    """
    rows_per_part = max(1, _BUCKET_PART_ELEMENTS // max(dist.shape[1], 1))
    exact, lower = [], []
    for s in range(0, len(dist), rows_per_part):
        part = slice(s, s + rows_per_part)
        part_exact, part_lower = _bucket_part(dist[part], tau[part],
                                              cols[part], is_match[part],
                                              is_member[part],
                                              member_dist[part])
        exact.append(part_exact)
        lower.append(part_lower)
    return torch.cat(exact), torch.cat(lower)


def _bucket_part(dist, tau, cols, is_match, is_member, member_dist):
    """:func:`_bucket_candidates` on a few rows."""
    num_rows = len(dist)
    match_dist = torch.where(is_match, member_dist, float('inf'))
    lo = match_dist.amin(dim=1)
    lo = torch.where(lo < tau, lo, 0.0)  # also rows without a true match
    span = tau - lo
    # The floor on span keeps scale finite (coarser buckets, still exact).
    scale = torch.where(span > 0,
                        (_NUM_BUCKETS - 1) / span.clamp_min(1e-30), 0.0)
    # Shifted by 1.5 buckets: lo lands in bucket 1 (bucket 0 is below lo),
    # tau at B + 0.5 (bucket B, never the ignored B + 1); a subtraction
    # and a product, each correctly rounded, keep the map non-decreasing.
    origin = torch.where(span > 0, lo - 1.5 / scale.clamp_min(1e-30), lo)
    position = (dist - origin.unsqueeze(1)).mul_(scale.unsqueeze(1))
    buckets = position.clamp_(0, _NUM_BUCKETS + 1).to(torch.int64)
    del position
    rows = torch.arange(num_rows, device=dist.device).unsqueeze(1).expand_as(
        cols)
    member_buckets = buckets.gather(1, cols)
    ignored = _NUM_BUCKETS + 1  # members, and entries beyond tau
    buckets[rows[is_member], cols[is_member]] = ignored
    histogram = torch.zeros(num_rows, ignored + 1, dtype=torch.int64,
                            device=dist.device)
    histogram.scatter_add_(
        1, buckets,
        torch.ones(1, 1, dtype=torch.int64,
                   device=dist.device).expand_as(buckets))
    has_match = torch.zeros_like(histogram, dtype=torch.bool)
    has_match[rows[is_match], member_buckets[is_match]] = True
    has_match[:, ignored] = False
    exact = has_match.gather(1, buckets)
    del buckets
    histogram[has_match] = 0
    lower = torch.cumsum(histogram, dim=1) - histogram  # exclusive
    return exact, lower[rows[is_match], member_buckets[is_match]]


def _concat_blocks(parts, rows_per_part: int) -> MatchRanks:
    return MatchRanks(
        ranks=torch.cat([p.ranks for p in parts]),
        query=torch.cat(
            [p.query + i * rows_per_part for i, p in enumerate(parts)]),
        order=torch.cat([p.order for p in parts]),
        num_matches=torch.cat([p.num_matches for p in parts]))
