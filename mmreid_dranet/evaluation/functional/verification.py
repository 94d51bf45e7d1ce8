"""Verification rates: "same person or not" over all query-gallery pairs.

Every valid query-gallery pair (the ranking's junk left out by the same
:func:`is_junk`) is a positive (:func:`is_true_match`) or a negative, at the
ranking's distance (:class:`PairwiseDistance`, in the blocks of
:func:`evaluate_reid`). A pair is called "same person" when its distance is
at most a threshold ``t``; over the distinct distances ``t`` this gives the
ROC, as ``sklearn.metrics.roc_curve(is_positive, -distance)`` does:

- ``fpr``, ``tpr``, ``thresholds``: the curve's corners (the points where
  it turns; the points in between lie on straight lines, like sklearn's
  ``drop_intermediate``, but dropped only when exactly collinear), from
  ``(0, 0)`` at threshold ``-inf`` to ``(1, 1)``. At most about 3 points per
  distinct positive distance, whatever the number of negatives.
- ``auc``: the area under the curve: the chance that a negative pair is
  farther than a positive one, ties counted half.
- ``eer``: the rate where the false positive and false negative rates are
  equal, on the curve (linear between its points); ``eer_threshold``: the
  threshold of the first corner at or beyond that point.
- :class:`OperatingPoint` per target FPR: the largest distinct distance
  whose FPR is at most the target, with its TPR and FPR (the threshold a
  calibration writes).

Exact and bounded (see :mod:`.pair_counts`): the negatives are counted,
never sorted, and only those below the largest target FPR's quantile are
kept.
"""
import math
from fractions import Fraction
from typing import Dict, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from .distance import PairwiseDistance, check_metric
from .inputs import (ArrayLike, as_feature_tensor, as_label_tensor,
                     check_same_length)
from .pair_counts import SamePersonPairs, count_all, no_positive_error
from .retrieval import DEFAULT_BLOCK_ELEMENTS

DEFAULT_FPR_TARGETS = (1e-4, 1e-3, 1e-2)


def fpr_label(target: float) -> str:
    """``1e-3`` -> ``'1e-3'`` (the metric keys' and messages' spelling)."""
    return f'{target:.0e}'.replace('e-0', 'e-').replace('e+0', 'e+')


class OperatingPoint(NamedTuple):
    """The threshold for a target false positive rate.

    Attributes:
        target_fpr (float): The rate asked for.
        threshold (float): The largest distinct distance whose FPR is at
            most ``target_fpr`` (``-inf``: not even the smallest).
        tpr (float): True positive rate at ``threshold``.
        fpr (float): False positive rate at ``threshold``.
    """
    target_fpr: float
    threshold: float
    tpr: float
    fpr: float


class VerificationResult(NamedTuple):
    """The verification rates of a query / gallery split.

    Attributes:
        fpr, tpr (ndarray): float64 rates at the ROC corners.
        thresholds (ndarray): float64 distance of each corner (pairs at or
            below it are called "same"); ``-inf`` for the first.
        auc (float): Area under the ROC.
        eer (float): Equal error rate.
        eer_threshold (float): Threshold of the first corner at or beyond
            the equal error point.
        operating_points (tuple[OperatingPoint]): One per target FPR.
        num_positive_pairs (int): Positive pairs.
        num_negative_pairs (int): Negative pairs.
        metric (str): The distance.
    """
    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray
    auc: float
    eer: float
    eer_threshold: float
    operating_points: Tuple[OperatingPoint, ...]
    num_positive_pairs: int
    num_negative_pairs: int
    metric: str

    def metrics(self) -> Dict[str, float]:
        """``TPR@FPR=1e-4``... , ``AUC`` and ``EER``, in percent."""
        out = {
            f'TPR@FPR={fpr_label(p.target_fpr)}': p.tpr * 100
            for p in self.operating_points
        }
        out['AUC'] = self.auc * 100
        out['EER'] = self.eer * 100
        return out

    def to_dict(self) -> dict:
        """A JSON-ready summary (rates as fractions; thresholds in the
        metric's units; ``-inf`` written as None)."""
        return dict(
            metric=self.metric, auc=self.auc, eer=self.eer,
            eer_threshold=_finite_or_none(self.eer_threshold),
            num_positive_pairs=self.num_positive_pairs,
            num_negative_pairs=self.num_negative_pairs,
            operating_points=[
                dict(p._asdict(), threshold=_finite_or_none(p.threshold))
                for p in self.operating_points
            ],
            roc=dict(fpr=self.fpr.tolist(), tpr=self.tpr.tolist(),
                     thresholds=[_finite_or_none(t)
                                 for t in self.thresholds.tolist()]))


def verification_metrics(result: VerificationResult) -> Dict[str, float]:
    """The metric keys of :class:`ReIDMetric`: the rates of
    :meth:`VerificationResult.metrics` and their distance thresholds,
    ``threshold@FPR=1e-4``... and ``threshold@EER`` (``-inf`` where no
    distance qualifies)."""
    out = result.metrics()
    for point in result.operating_points:
        out[f'threshold@FPR={fpr_label(point.target_fpr)}'] = point.threshold
    out['threshold@EER'] = result.eer_threshold
    return out


def evaluate_verification(query_feats: ArrayLike,
                          gallery_feats: ArrayLike,
                          query_pids: ArrayLike,
                          gallery_pids: ArrayLike,
                          query_camids: ArrayLike,
                          gallery_camids: ArrayLike,
                          *,
                          metric: str = 'euclidean',
                          fpr_targets: Sequence[float] = DEFAULT_FPR_TARGETS,
                          chunk_size: Optional[int] = None,
                          distributed: bool = False) -> VerificationResult:
    """ROC, AUC, EER and TPR at target FPRs of all query-gallery pairs.

    Computed on the CPU, in blocks of query rows; memory: one block of
    distances, a few arrays per positive pair and the negatives below the
    largest target's quantile (``max(fpr_targets)`` x the negatives).

    Args:
        query_feats, gallery_feats (ndarray | Tensor): Q x D / G x D.
        query_pids, gallery_pids, query_camids, gallery_camids: Ids.
        metric (str): ``'euclidean'`` (squared) or ``'cosine'``.
        fpr_targets (Sequence[float]): Target FPRs in (0, 1].
        chunk_size (int, optional): Queries per distance block (as in
            :func:`evaluate_reid`; the results do not depend on it).
        distributed (bool): Under ``torch.distributed``, every process
            calls this with the same inputs and counts its share of the
            query blocks; every process returns the same result.

    Returns:
        VerificationResult: The rates.
    """
    check_metric(metric)
    targets = _check_targets(fpr_targets)
    query_feats = as_feature_tensor(query_feats, 'query_feats').cpu()
    gallery_feats = as_feature_tensor(gallery_feats, 'gallery_feats').cpu()
    ids = [
        as_label_tensor(a, name).cpu().numpy() for a, name in (
            (query_pids, 'query_pids'), (query_camids, 'query_camids'),
            (gallery_pids, 'gallery_pids'), (gallery_camids,
                                             'gallery_camids'))
    ]
    check_same_length(('query_feats', query_feats), ('query_pids', ids[0]),
                      ('query_camids', ids[1]))
    check_same_length(('gallery_feats', gallery_feats),
                      ('gallery_pids', ids[2]), ('gallery_camids', ids[3]))
    if len(query_feats) == 0 or len(gallery_feats) == 0:
        raise ValueError('the query set or the gallery is empty')
    if query_feats.shape[1] != gallery_feats.shape[1]:
        raise ValueError(f'query_feats have {query_feats.shape[1]} dimensions '
                         f'but gallery_feats have {gallery_feats.shape[1]}')
    pairs = SamePersonPairs.build(*ids)
    num_positive = int(pairs.positive.sum())
    if num_positive == 0:
        raise ValueError(no_positive_error(len(query_feats)))
    num_negative = (len(query_feats) * len(gallery_feats) -
                    len(pairs.rows))
    if num_negative == 0:
        raise ValueError('every valid pair is of the same person: the '
                         'verification rates need pairs of different '
                         'persons')
    keep = max(_quantile_rank(t, num_negative) for t in targets) + 1
    chunk = chunk_size or max(1, DEFAULT_BLOCK_ELEMENTS // len(gallery_feats))
    table, counts, largest, kept, positives = count_all(
        PairwiseDistance(gallery_feats, metric), query_feats, pairs, chunk,
        min(keep, num_negative), distributed)
    return _summarize(table.values.numpy(), counts.numpy(), largest.numpy(),
                      np.sort(kept.numpy()), np.sort(positives.numpy()),
                      num_negative, targets, metric)


def _summarize(values, counts, largest, kept, positives, num_negative,
               targets, metric) -> VerificationResult:
    """The rates from the bins (see :mod:`.pair_counts`)."""
    num_positive = len(positives)
    num = len(values)
    per_value = np.diff(np.searchsorted(positives, values, 'left'),
                        append=num_positive)
    # Events in distance order: each open interval's negatives at its
    # largest one, then each positive value with its tied negatives;
    # then the negatives above every positive.
    open_counts, tied = counts[0:2 * num + 1:2], counts[1:2 * num:2]
    value_of = np.empty(2 * num + 1, dtype=np.int64)
    value_of[0::2] = largest[0:2 * num + 1:2]
    value_of[1::2] = values
    neg = np.empty(2 * num + 1, dtype=np.int64)
    neg[0::2], neg[1::2] = open_counts, tied
    pos = np.zeros(2 * num + 1, dtype=np.int64)
    pos[1::2] = per_value
    used = (neg + pos) > 0
    fp = np.concatenate([[0], np.cumsum(neg[used])])
    tp = np.concatenate([[0], np.cumsum(pos[used])])
    thresholds = np.concatenate(
        [[-np.inf], _to_float(value_of[used])])
    corner = _corners(fp, tp)
    fp, tp, thresholds = fp[corner], tp[corner], thresholds[corner]

    # AUC: each positive beats the negatives above it, half the tied ones.
    below_or_tied = np.cumsum(open_counts[:-1] + tied)
    wins = 2 * (num_negative - below_or_tied) + tied
    auc = float(np.sum(per_value * wins)) / (2 * num_positive * num_negative)
    eer, eer_threshold = _equal_error(fp, tp, thresholds, num_positive,
                                      num_negative)
    points = tuple(
        _operating_point(t, kept, positives, num_negative) for t in targets)
    return VerificationResult(
        fpr=fp / num_negative, tpr=tp / num_positive, thresholds=thresholds,
        auc=auc, eer=eer, eer_threshold=eer_threshold,
        operating_points=points, num_positive_pairs=num_positive,
        num_negative_pairs=int(num_negative), metric=metric)


def _corners(fp: np.ndarray, tp: np.ndarray) -> np.ndarray:
    """Indices of the points where the curve turns (and both ends)."""
    if len(fp) <= 2:
        return np.arange(len(fp))
    dx0, dy0 = np.diff(fp)[:-1], np.diff(tp)[:-1]
    dx1, dy1 = np.diff(fp)[1:], np.diff(tp)[1:]
    turns = dx0 * dy1 != dx1 * dy0
    return np.flatnonzero(np.concatenate([[True], turns, [True]]))


def _equal_error(fp, tp, thresholds, num_positive,
                 num_negative) -> Tuple[float, float]:
    """EER on the curve (linear between points) and the threshold of the
    first point where FPR >= FNR (compared in integers)."""
    beyond = fp * num_positive >= (num_positive - tp) * num_negative
    i = int(np.argmax(beyond))
    fpr = fp / num_negative
    fnr = 1 - tp / num_positive
    if i == 0:
        return float(fpr[0]), float(thresholds[0])
    gap0, gap1 = fnr[i - 1] - fpr[i - 1], fnr[i] - fpr[i]
    step = gap0 / (gap0 - gap1)
    eer = fpr[i - 1] + step * (fpr[i] - fpr[i - 1])
    return float(eer), float(thresholds[i])


def _quantile_rank(target: float, num_negative: int) -> int:
    """Negatives a threshold may call "same" at ``target``:
    floor(target x N), the target read as the decimal it is written as."""
    return math.floor(Fraction(repr(target)) * num_negative)


def _operating_point(target, kept, positives, num_negative) -> OperatingPoint:
    """The largest distinct distance with at most floor(target N) negatives
    at or below it: just below the (k+1)-th smallest negative."""
    k = _quantile_rank(target, num_negative)
    if k >= num_negative:
        fp, tp = num_negative, len(positives)
    else:
        first_beyond = kept[k]
        fp = int(np.searchsorted(kept, first_beyond, 'left'))
        tp = int(np.searchsorted(positives, first_beyond, 'left'))
    below = [x[n - 1] for x, n in ((kept, fp), (positives, tp)) if n]
    threshold = float(_to_float(np.asarray([max(below)]))[0]) if below \
        else -math.inf
    return OperatingPoint(target, threshold, tp / len(positives),
                          fp / num_negative)


def _to_float(bits: np.ndarray) -> np.ndarray:
    """float64 values of int32 float bit patterns."""
    return bits.astype(np.int32).view(np.float32).astype(np.float64)


def _finite_or_none(value: float) -> Optional[float]:
    return value if math.isfinite(value) else None


def _check_targets(targets: Sequence[float]) -> Tuple[float, ...]:
    targets = tuple(targets)
    if not targets or any(
            isinstance(t, bool) or not isinstance(t, (int, float))
            or not 0 < t <= 1 for t in targets):
        raise ValueError('fpr_targets must be rates in (0, 1], got '
                         f'{targets!r}')
    return tuple(float(t) for t in targets)
