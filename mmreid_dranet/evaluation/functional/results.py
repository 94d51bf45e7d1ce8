"""What an evaluation returns, and what it ranked for drawing.

:class:`ReIDEvaluationResult` is the value of
:func:`~mmreid_dranet.evaluation.evaluate_reid`: the reported metrics and the
per-query numbers they average. :class:`EvaluatedRanking` adds to its
per-query APs and ranked distances the ids and image paths of the split:
everything the ranked-list pictures need (``ReIDVisualizer``).
"""
from dataclasses import dataclass
from typing import Callable, Mapping, Optional

import numpy as np
import torch

from .retrieval import SIDES

# ``distance_block(start, end)`` -> (end - start) x G float32 distances of
# those queries, as ranked.
DistanceBlock = Callable[[int, int], torch.Tensor]


@dataclass(eq=False)
class ReIDEvaluationResult:
    """The result of the re-ID protocol on a query/gallery split.

    Compare two results by their ``metrics`` or arrays (``==`` is
    identity: the arrays have no single truth value).

    Attributes:
        metrics (dict): ``R{k}`` for each requested k, ``mAP``, ``mINP``
            (percent, float), ``num_valid_queries`` and
            ``num_skipped_queries`` (int).
        ap (ndarray): Q float64 average precision in [0, 1] per query, NaN
            for a query without a true match.
        inp (ndarray): Q float64 inverse negative penalty, NaN likewise.
        first_match_rank (ndarray): Q int64 rank (1-based, junk removed) of
            each query's first true match, 0 without one.
        num_matches (ndarray): Q int64 number of true matches per query.
        distance_block (callable, optional): ``(start, end)`` -> the
            (end - start) x G distances that were ranked, kept only when
            asked (``return_distances=True``): it holds the features, and
            with re-ranking the re-ranker.
    """
    metrics: dict
    ap: np.ndarray
    inp: np.ndarray
    first_match_rank: np.ndarray
    num_matches: np.ndarray
    distance_block: Optional[DistanceBlock] = None

    @property
    def is_valid(self) -> np.ndarray:
        """Q bool: the queries that have a true match (the others are left
        out of every average)."""
        return self.num_matches > 0

    def cmc(self, max_rank: int) -> np.ndarray:
        """The CMC curve: percent of valid queries whose first true match
        is within rank k, for k = 1..``max_rank``.

        Returns:
            ndarray: ``max_rank`` float64 values; entry k - 1 equals the
            metric ``R{k}``.
        """
        first = self.first_match_rank[self.is_valid]
        ranks = np.arange(1, int(max_rank) + 1)
        return (first[None, :] <= ranks[:, None]).mean(axis=1) * 100


@dataclass(eq=False)
class EvaluatedRanking:
    """What an evaluation ranked, with what the ranked-list pictures show.

    Attributes:
        ap (ndarray): Q per-query APs (NaN: no true match); the pictures
            pick the worst and best queries by it.
        distance_block (callable): ``(start, end)`` -> the distances that
            were ranked (see :class:`ReIDEvaluationResult`).
        query_pids, query_camids (Tensor | ndarray): Q ids of the queries.
        gallery_pids, gallery_camids (Tensor | ndarray): G ids of the
            gallery.
        query_paths, gallery_paths (ndarray): Image paths of both sides.
        query_names, gallery_names (ndarray, optional): Identity names of
            both sides ('' where a data set has none); the pictures show
            them instead of the pids.
    """
    ap: np.ndarray
    distance_block: DistanceBlock
    query_pids: object
    query_camids: object
    gallery_pids: object
    gallery_camids: object
    query_paths: np.ndarray
    gallery_paths: np.ndarray
    query_names: Optional[np.ndarray] = None
    gallery_names: Optional[np.ndarray] = None

    @classmethod
    def from_arrays(cls, result: ReIDEvaluationResult,
                    arrays: Mapping[str, object]) -> 'EvaluatedRanking':
        """The ranking of ``result``, whose ids and paths are those of a
        feature file's arrays (:func:`load_features`: ``query_pids``,
        ``gallery_paths``...).

        Args:
            result (ReIDEvaluationResult): Evaluated with
                ``return_distances=True``.
            arrays (Mapping): ``<side>_pids``, ``<side>_camids`` and
                ``<side>_paths`` of both sides, and ``<side>_names`` when
                known.
        """
        if result.distance_block is None:
            raise ValueError('the result keeps no distances: evaluate with '
                             'return_distances=True to draw its ranking')
        return cls(ap=result.ap, distance_block=result.distance_block,
                   **{f'{side}_{field}': arrays[f'{side}_{field}']
                      for side in SIDES
                      for field in ('pids', 'camids', 'paths')},
                   **{f'{side}_names': arrays.get(f'{side}_names')
                      for side in SIDES})
