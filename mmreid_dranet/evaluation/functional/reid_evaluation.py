"""The re-ID evaluation protocol: CMC, mAP and mINP of a query/gallery split.

Protocol (as in the evaluators the re-ID community uses): for each query,
gallery entries with the query's person id AND camera are removed; the
remaining gallery is ranked by distance; equal distances keep gallery order
(a stable sort). Rank-k CMC is 1 when a true match is within the top k;
AP is the mean of the precision at each true match; INP is the number of
true matches over the rank of the last one. Queries without any true match
are left out of every average and counted. All numbers are percentages.
"""
import warnings
from typing import NamedTuple, Optional, Sequence

import numpy as np
import torch

from .distance import PairwiseDistance, check_metric
from .distributed_rows import dist_info, row_share
from .inputs import (ArrayLike, as_feature_tensor, as_label_tensor,
                     check_same_length)
from .query_expansion import AQEOptions
from .ranking import GalleryIdentityIndex, rank_true_matches
from .rerank import RerankOptions
from .results import DistanceBlock, ReIDEvaluationResult
from .retrieval import DEFAULT_BLOCK_ELEMENTS


class QueryScores(NamedTuple):
    """Per-query results of the protocol.

    Attributes:
        ap (ndarray): Q float64 average precision in [0, 1], NaN for a query
            without true match.
        inp (ndarray): Q float64 inverse negative penalty, NaN likewise.
        first_match_rank (ndarray): Q int64 rank (1-based) of the first true
            match, 0 for a query without one.
        num_matches (ndarray): Q int64 number of true matches.
    """
    ap: np.ndarray
    inp: np.ndarray
    first_match_rank: np.ndarray
    num_matches: np.ndarray


def score_queries(distance_block: DistanceBlock,
                  query_pids: torch.Tensor,
                  query_camids: torch.Tensor,
                  gallery_pids: torch.Tensor,
                  gallery_camids: torch.Tensor,
                  chunk_size: Optional[int] = None) -> QueryScores:
    """Score every query, a block of ``chunk_size`` queries at a time.

    Args:
        distance_block (callable): ``distance_block(start, end)`` returns the
            (end - start) x G float32 distances (>= 0) of those queries.
        query_pids, query_camids (Tensor): Q int64 ids of the queries.
        gallery_pids, gallery_camids (Tensor): G int64 ids of the gallery.
        chunk_size (int, optional): Queries per block. Defaults to as many
            as keep a block under ``DEFAULT_BLOCK_ELEMENTS`` distances.

    Returns:
        QueryScores: The per-query results; they do not depend on
        ``chunk_size`` for a given distance function.
    """
    num_query, num_gallery = len(query_pids), len(gallery_pids)
    chunk_size = _check_chunk_size(chunk_size, num_gallery)
    index = GalleryIdentityIndex(gallery_pids, gallery_camids)
    ap = np.full(num_query, np.nan)
    inp = np.full(num_query, np.nan)
    first_rank = np.zeros(num_query, dtype=np.int64)
    num_matches = np.zeros(num_query, dtype=np.int64)
    for start in range(0, num_query, chunk_size):
        end = min(start + chunk_size, num_query)
        block = rank_true_matches(
            distance_block(start, end), query_pids[start:end],
            query_camids[start:end], index)
        ranks = block.ranks.cpu().numpy().astype(np.float64)
        query = block.query.cpu().numpy()
        order = block.order.cpu().numpy()
        counts = block.num_matches.cpu().numpy()
        has_match = counts > 0
        rows = np.arange(start, end)[has_match]
        precision = (order + 1) / ranks
        ap[rows] = np.bincount(
            query, weights=precision, minlength=end - start)[has_match] / \
            counts[has_match]
        is_first = order == 0
        first_rank[start + query[is_first]] = ranks[is_first]
        is_last = order == counts[query] - 1
        inp[start + query[is_last]] = counts[query[is_last]] / ranks[is_last]
        num_matches[start:end] = counts
    return QueryScores(ap, inp, first_rank, num_matches)


def summarize_scores(scores: QueryScores,
                     topk: Sequence[int] = (1, 5, 10),
                     warn: bool = True,
                     stacklevel: int = 2) -> dict:
    """Average per-query scores into the reported metrics.

    Args:
        scores (QueryScores): From :func:`score_queries`.
        topk (Sequence[int]): The CMC ranks to report.
        warn (bool): Warn with the count of queries without a true match.
        stacklevel (int): Of the warning (2: the caller of this function).

    Returns:
        dict: ``R{k}`` for each k, ``mAP``, ``mINP`` (percent, float),
        ``num_valid_queries`` and ``num_skipped_queries`` (int).
    """
    topk = _check_topk(topk)
    valid = scores.num_matches > 0
    num_valid = int(valid.sum())
    num_skipped = len(valid) - num_valid
    if num_valid == 0:
        raise ValueError(
            f'none of the {len(valid)} queries has a true match in the '
            'gallery (same person id, another camera): nothing to evaluate; '
            'check that query and gallery come from the same split')
    if num_skipped and warn:
        warnings.warn(
            f'{num_skipped} of {len(valid)} queries have no true match in '
            'the gallery and are left out of CMC, mAP and mINP',
            stacklevel=stacklevel)
    first_rank = scores.first_match_rank[valid]
    results = {
        f'R{k}': float(np.mean(first_rank <= k) * 100)
        for k in topk
    }
    results['mAP'] = float(np.mean(scores.ap[valid]) * 100)
    results['mINP'] = float(np.mean(scores.inp[valid]) * 100)
    results['num_valid_queries'] = num_valid
    results['num_skipped_queries'] = num_skipped
    return results


def evaluate_reid(query_feats: ArrayLike,
                  gallery_feats: ArrayLike,
                  query_pids: ArrayLike,
                  gallery_pids: ArrayLike,
                  query_camids: ArrayLike,
                  gallery_camids: ArrayLike,
                  *,
                  metric: str = 'euclidean',
                  topk: Sequence[int] = (1, 5, 10),
                  rerank: Optional[RerankOptions] = None,
                  aqe: Optional[AQEOptions] = None,
                  chunk_size: Optional[int] = None,
                  distributed: bool = False,
                  return_distances: bool = False) -> ReIDEvaluationResult:
    """Evaluate query features against gallery features.

    Tensors on a GPU stay there: distances, re-ranking and the ranking run
    on their device; only the per-query results come back to the CPU.

    Args:
        query_feats (ndarray | Tensor): Q x D query embeddings.
        gallery_feats (ndarray | Tensor): G x D gallery embeddings.
        query_pids, gallery_pids (ndarray | Tensor): Q / G person ids.
        query_camids, gallery_camids (ndarray | Tensor): Q / G camera ids.
        metric (str): ``'euclidean'`` or ``'cosine'``. Defaults to
            ``'euclidean'``.
        topk (Sequence[int]): CMC ranks to report. Defaults to (1, 5, 10).
        rerank (RerankOptions, optional): Rank by k-reciprocal re-ranked
            distances with these parameters (``RerankOptions()``: the
            defaults). None ranks the plain distances.
        aqe (AQEOptions, optional): Replace the queries by their average
            query expansion first (see :func:`average_query_expansion`).
        chunk_size (int, optional): Queries per distance block; bounds the
            memory. The results do not depend on it.
        distributed (bool): Under ``torch.distributed``, every process
            calls this with the same inputs; each ranks its share of the
            queries (and computes its share of the expansion and of the
            re-ranking's neighbour search), the per-query scores are
            gathered, and every process returns the numbers of one process.
        return_distances (bool): Keep the distance function that was
            ranked in the result's ``distance_block`` (e.g. to draw ranked
            lists); it holds the features (and the re-ranker).

    Returns:
        ReIDEvaluationResult: The metrics (``R{k}``, ``mAP``, ``mINP`` in
        percent, ``num_valid_queries``, ``num_skipped_queries``) and the
        per-query numbers.
    """
    check_metric(metric)
    _check_option(rerank, RerankOptions, 'rerank')
    _check_option(aqe, AQEOptions, 'aqe')
    query_feats = as_feature_tensor(query_feats, 'query_feats')
    gallery_feats = as_feature_tensor(gallery_feats, 'gallery_feats')
    device = query_feats.device
    query_pids = as_label_tensor(query_pids, 'query_pids').to(device)
    gallery_pids = as_label_tensor(gallery_pids, 'gallery_pids').to(device)
    query_camids = as_label_tensor(query_camids, 'query_camids').to(device)
    gallery_camids = as_label_tensor(gallery_camids,
                                     'gallery_camids').to(device)
    check_same_length(('query_feats', query_feats), ('query_pids', query_pids),
                      ('query_camids', query_camids))
    num_gallery = check_same_length(('gallery_feats', gallery_feats),
                                    ('gallery_pids', gallery_pids),
                                    ('gallery_camids', gallery_camids))
    if len(query_feats) == 0:
        raise ValueError('the query set is empty')
    if num_gallery == 0:
        raise ValueError('the gallery is empty: nothing to rank')
    if query_feats.shape[1] != gallery_feats.shape[1]:
        raise ValueError(f'query_feats have {query_feats.shape[1]} dimensions '
                         f'but gallery_feats have {gallery_feats.shape[1]}')

    if aqe is not None:
        from .query_expansion import average_query_expansion
        query_feats = average_query_expansion(query_feats, gallery_feats,
                                              aqe.k, aqe.alpha,
                                              distributed=distributed)
    if rerank is not None:
        from .rerank import KReciprocalReranker
        reranker = KReciprocalReranker(query_feats, gallery_feats, metric,
                                       **rerank.as_kwargs(),
                                       distributed=distributed)

        def distance_block(start, end):
            return reranker.distances(start, end)
    else:
        distance = PairwiseDistance(gallery_feats, metric)

        def distance_block(start, end):
            return distance(query_feats[start:end])

    scores = _score_shares(distance_block, query_pids, query_camids,
                           gallery_pids, gallery_camids, chunk_size,
                           distributed)
    return _result(scores, topk,
                   distance_block if return_distances else None)


def evaluate_distance_matrix(distmat: ArrayLike,
                             query_pids: ArrayLike,
                             gallery_pids: ArrayLike,
                             query_camids: ArrayLike,
                             gallery_camids: ArrayLike,
                             *,
                             topk: Sequence[int] = (1, 5, 10),
                             chunk_size: Optional[int] = None
                             ) -> ReIDEvaluationResult:
    """The protocol on a given Q x G distance matrix (e.g. a user's own).

    Args:
        distmat (ndarray | Tensor): Q x G distances (smaller is closer).
        query_pids, gallery_pids, query_camids, gallery_camids: As in
            :func:`evaluate_reid`.
        topk (Sequence[int]): CMC ranks to report.
        chunk_size (int, optional): Queries per block.

    Returns:
        ReIDEvaluationResult: As :func:`evaluate_reid` (without distances).
    """
    distmat = as_feature_tensor(distmat, 'distmat')
    pids = [as_label_tensor(a, n) for a, n in (
        (query_pids, 'query_pids'), (gallery_pids, 'gallery_pids'),
        (query_camids, 'query_camids'), (gallery_camids, 'gallery_camids'))]
    check_same_length(('distmat rows', distmat), ('query_pids', pids[0]),
                      ('query_camids', pids[2]))
    check_same_length(('distmat columns', distmat.t()),
                      ('gallery_pids', pids[1]), ('gallery_camids', pids[3]))
    if distmat.numel() == 0:
        raise ValueError(f'distmat is empty (shape {tuple(distmat.shape)})')
    # The ranking compares float bit patterns, which are ordered like the
    # floats only for values >= 0.
    minimum = float(distmat.min())
    if minimum < 0:
        raise ValueError(f'distmat has negative entries (min {minimum:.4g}); '
                         'give distances (>= 0), not similarities')
    scores = score_queries(lambda s, e: distmat[s:e], pids[0], pids[2],
                           pids[1], pids[3], chunk_size)
    return _result(scores, topk, None)


def _result(scores: QueryScores, topk: Sequence[int],
            distance_block: Optional[DistanceBlock]) -> ReIDEvaluationResult:
    # stacklevel 4: the warning names the caller of evaluate_reid.
    metrics = summarize_scores(scores, topk, stacklevel=4)
    return ReIDEvaluationResult(metrics=metrics, ap=scores.ap,
                                inp=scores.inp,
                                first_match_rank=scores.first_match_rank,
                                num_matches=scores.num_matches,
                                distance_block=distance_block)


def _check_option(value, options_cls, name: str) -> None:
    if value is not None and not isinstance(value, options_cls):
        raise TypeError(
            f'{name} must be None or {options_cls.__name__}(...), got '
            f'{value!r}; e.g. {name}={options_cls.__name__}() for the '
            'defaults')


def _score_shares(distance_block, query_pids, query_camids, gallery_pids,
                  gallery_camids, chunk_size, distributed) -> QueryScores:
    """:func:`score_queries`, each process on its share of query blocks."""
    rank, world_size = dist_info(distributed)
    if world_size == 1:
        return score_queries(distance_block, query_pids, query_camids,
                             gallery_pids, gallery_camids, chunk_size)
    from mmengine.dist import all_gather_object
    chunk = _check_chunk_size(chunk_size, len(gallery_pids))
    start, end = row_share(len(query_pids), chunk, rank, world_size)
    local = score_queries(lambda s, e: distance_block(start + s, start + e),
                          query_pids[start:end], query_camids[start:end],
                          gallery_pids, gallery_camids, chunk)
    shares = all_gather_object(local)
    return QueryScores(*(np.concatenate(field) for field in zip(*shares)))


def _check_chunk_size(chunk_size: Optional[int], num_gallery: int) -> int:
    if chunk_size is None:
        return max(1, DEFAULT_BLOCK_ELEMENTS // max(num_gallery, 1))
    if isinstance(chunk_size, bool) or not isinstance(
            chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f'chunk_size must be a positive int, got '
                         f'{chunk_size!r}')
    return int(chunk_size)


def _check_topk(topk: Sequence[int]) -> tuple:
    topk = tuple(topk)
    if not topk or any(
            isinstance(k, bool) or not isinstance(k, (int, np.integer))
            or k < 1 for k in topk):
        raise ValueError(f'topk must be positive ints, got {topk!r}')
    return topk
