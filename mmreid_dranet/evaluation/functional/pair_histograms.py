"""Histograms of the positive and negative pair distances (for pictures).

The pairs and the distance are those of :func:`evaluate_verification`; the
distances are binned block by block (nothing of Q x G is kept).
"""
from typing import NamedTuple, Optional

import numpy as np
import torch

from .distance import PairwiseDistance
from .inputs import as_feature_tensor, as_label_tensor
from .pair_counts import SamePersonPairs
from .retrieval import DEFAULT_BLOCK_ELEMENTS


class PairHistograms(NamedTuple):
    """Pair counts per distance bin.

    Attributes:
        edges (ndarray): ``bins + 1`` float64 bin edges.
        positive (ndarray): int64 positive pairs per bin.
        negative (ndarray): int64 negative pairs per bin.
    """
    edges: np.ndarray
    positive: np.ndarray
    negative: np.ndarray


def pair_histograms(query_feats, gallery_feats, query_pids, gallery_pids,
                    query_camids, gallery_camids, *,
                    metric: str = 'euclidean', bins: int = 100,
                    max_distance: Optional[float] = None,
                    chunk_size: Optional[int] = None) -> PairHistograms:
    """Histograms of the valid pairs' distances, positives and negatives.

    Args:
        query_feats, gallery_feats (ndarray | Tensor): Q x D / G x D.
        query_pids, gallery_pids, query_camids, gallery_camids: Ids, as
            in :func:`evaluate_verification`.
        metric (str): ``'euclidean'`` (squared) or ``'cosine'``.
        bins (int): Equal-width bins from 0 to ``max_distance``.
        max_distance (float, optional): Upper edge; defaults to the largest
            distance (an extra pass). Larger distances go to the last bin.
        chunk_size (int, optional): Queries per distance block.

    Returns:
        PairHistograms: Edges and counts.
    """
    query = as_feature_tensor(query_feats, 'query_feats').cpu()
    gallery = as_feature_tensor(gallery_feats, 'gallery_feats').cpu()
    ids = [as_label_tensor(a, n).cpu().numpy() for a, n in (
        (query_pids, 'query_pids'), (query_camids, 'query_camids'),
        (gallery_pids, 'gallery_pids'), (gallery_camids, 'gallery_camids'))]
    pairs = SamePersonPairs.build(*ids)
    distance = PairwiseDistance(gallery, metric)
    chunk = chunk_size or max(1, DEFAULT_BLOCK_ELEMENTS // len(gallery))
    blocks = [(q0, min(q0 + chunk, len(query)))
              for q0 in range(0, len(query), chunk)]
    if max_distance is None:
        max_distance = max(float(distance(query[q0:q1]).max())
                           for q0, q1 in blocks)
    top = max(float(max_distance), 1e-12)
    positive = torch.zeros(bins, dtype=torch.int64)
    negative = torch.zeros(bins, dtype=torch.int64)
    for q0, q1 in blocks:
        dist = distance(query[q0:q1])
        index = (dist * (bins / top)).long().clamp_(0, bins - 1)
        block = pairs.block(q0, q1)
        rows = torch.from_numpy(block.rows)
        cols = torch.from_numpy(block.cols)
        same = index[rows, cols]
        positive += torch.bincount(same[torch.from_numpy(block.positive)],
                                   minlength=bins)
        negative += torch.bincount(index.view(-1), minlength=bins)
        negative -= torch.bincount(same, minlength=bins)
    edges = np.linspace(0, top, bins + 1)
    return PairHistograms(edges, positive.numpy(), negative.numpy())
