"""A brute-force reference of the verification rates (tests only): the
whole distance matrix, every valid pair sorted in float64."""
import math
from fractions import Fraction

import numpy as np

from mmreid_dranet.evaluation.functional.distance import compute_distance
from mmreid_dranet.evaluation.functional.retrieval import (is_junk,
                                                           is_true_match)


def reference_verification(qf, gf, qp, gp, qc, gc, metric='euclidean',
                           targets=(1e-4, 1e-3, 1e-2)):
    """dict: fpr, tpr, thresholds (corners), auc, eer, eer_threshold and
    ``points`` {target: (threshold, tpr, fpr)}, by sorting every pair."""
    import torch
    dist = compute_distance(torch.as_tensor(qf), torch.as_tensor(gf),
                            metric).numpy().astype(np.float64)
    qp, gp, qc, gc = (np.asarray(a) for a in (qp, gp, qc, gc))
    valid = ~is_junk(qp[:, None], qc[:, None], gp[None], gc[None])
    positive = is_true_match(qp[:, None], qc[:, None], gp[None], gc[None])
    # The float64 values of float32 distances have their 29 low mantissa
    # bits zero: the lowest one carries the label, so that one sort of
    # int64 keys (ordered like the non-negative floats) sorts the pairs.
    keys = dist[valid].view(np.int64) | (~positive[valid]).astype(np.int64)
    keys.sort()
    is_pos = (keys & 1) == 0
    d = (keys & ~np.int64(1)).view(np.float64)
    num_pos, num_neg = int(is_pos.sum()), int((~is_pos).sum())
    # One point per distinct distance (the last of each run of ties).
    last = np.flatnonzero(np.r_[d[1:] != d[:-1], True])
    tp = np.r_[0, np.cumsum(is_pos)[last]]
    fp = np.r_[0, np.cumsum(~is_pos)[last]]
    thresholds = np.r_[-np.inf, d[last]]
    # Corners: the points whose two segments are not collinear.
    dfp, dtp = np.diff(fp), np.diff(tp)
    turn = dfp[:-1] * dtp[1:] != dfp[1:] * dtp[:-1]
    keep = np.flatnonzero(np.r_[True, turn, True])
    # AUC: Mann-Whitney with ties half, by ranks.
    neg_d = np.sort(d[~is_pos])
    pos_d = d[is_pos]
    less = np.searchsorted(neg_d, pos_d, 'left')
    leq = np.searchsorted(neg_d, pos_d, 'right')
    wins = np.sum((num_neg - leq) + 0.5 * (leq - less))
    auc = float(wins) / (num_pos * num_neg)
    fpr, fnr = fp / num_neg, 1 - tp / num_pos
    i = int(np.argmax(fp * num_pos >= (num_pos - tp) * num_neg))
    k_fp, k_tp = fp[keep], tp[keep]
    j = int(np.argmax(k_fp * num_pos >= (num_pos - k_tp) * num_neg))
    g0 = fnr[i - 1] - fpr[i - 1]
    g1 = fnr[i] - fpr[i]
    eer = fpr[i - 1] + g0 / (g0 - g1) * (fpr[i] - fpr[i - 1])
    points = {}
    for t in targets:
        k = math.floor(Fraction(repr(t)) * num_neg)
        ok = np.flatnonzero(fp <= k)[-1]
        points[t] = (thresholds[ok], tp[ok] / num_pos, fp[ok] / num_neg)
    return dict(fpr=fpr[keep], tpr=tp[keep] / num_pos,
                thresholds=thresholds[keep], auc=auc, eer=float(eer),
                eer_threshold=float(thresholds[keep][j]), points=points)
