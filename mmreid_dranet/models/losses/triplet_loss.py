"""Batch-hard triplet loss (Hermans et al., 2017) over P x K batches."""
from collections import Counter
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmreid_dranet.registry import MODELS

DISTANCES = ('euclidean', 'cosine')
REDUCTIONS = ('mean', 'sum', 'none')
# Squared distances below this are clamped before the square root: the
# gradient of sqrt at 0 is infinite (two identical embeddings).
_SQUARED_FLOOR = 1e-12


def pairwise_distance(embeddings: torch.Tensor,
                      distance: str = 'euclidean') -> torch.Tensor:
    """Distances between all rows of an N x D matrix, N x N.

    Args:
        embeddings (Tensor): N x D.
        distance (str): 'euclidean' (L2) or 'cosine' (1 - cosine
            similarity).

    Returns:
        Tensor: N x N distances, float32 or wider.
    """
    if distance not in DISTANCES:
        raise ValueError(f'pairwise_distance: unknown distance '
                         f'{distance!r}, expected one of {DISTANCES}.')
    if distance == 'cosine':
        unit = F.normalize(embeddings, dim=1)
        return 1 - unit @ unit.t()
    squared_norms = embeddings.pow(2).sum(dim=1)
    squared = (squared_norms[:, None] + squared_norms[None, :] -
               2 * embeddings @ embeddings.t())
    return squared.clamp_min(_SQUARED_FLOOR).sqrt()


def identity_counts(labels: torch.Tensor) -> dict:
    """{label: images} of a batch, in label order (reads the labels on the
    host: call it where that costs no device sync)."""
    return dict(sorted(Counter(labels.tolist()).items()))


@MODELS.register_module()
class TripletLoss(nn.Module):
    """Batch-hard triplet loss over the identities of a batch.

    For each anchor i, the hardest positive is the farthest image of the
    same identity (i itself excluded) and the hardest negative the closest
    image of another identity::

        x_i = max_{j: y_j = y_i, j != i} d(i, j) - min_{k: y_k != y_i} d(i, k)
        l_i = max(0, x_i + margin)    (margin given)
        l_i = log(1 + exp(x_i))       (margin=None: the soft margin)

    An anchor whose identity has a single image in the batch (no positive)
    or a batch of one identity (no negative) gives no loss term. Its
    ``l_i`` is 0 and it is not counted by ``'mean'``.

    A batch in which no anchor has both a positive and a negative is a
    misconfigured sampler (e.g. ``ins_per_id=1``), and a ValueError names
    the batch's identity counts instead of returning a silent zero. Reading
    the labels costs a host-device sync on an accelerator, which the
    training loop must not pay every step; so labels on the CPU are checked
    on every call (free), labels on an accelerator on the first call only:
    :class:`IdentityBalancedSampler` makes every batch of a run with the
    same P x K shape, so its first batch tells.

    Distances are computed in float32 (or the embedding's wider dtype), so
    that the mining is not done on fp16 rounding under AMP.

    Args:
        margin (float | None): Margin of the hinge; None selects the soft
            margin log(1 + exp(x)). Defaults to 0.3.
        distance (str): 'euclidean' or 'cosine' (1 - cosine similarity).
            Defaults to 'euclidean'.
        reduction (str): 'mean' over the anchors that have a positive and a
            negative; 'sum' over all anchors; 'none': the N per-anchor
            losses (0 where an anchor has no positive or negative).
            Defaults to 'mean'.
        loss_weight (float): Factor of the loss. Defaults to 1.
        loss_name (str): Key of the loss in a head's loss dict (must start
            with ``loss_`` for mmengine to sum it). Defaults to
            ``'loss_triplet'``.
    """

    def __init__(self,
                 margin: Optional[float] = 0.3,
                 distance: str = 'euclidean',
                 reduction: str = 'mean',
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_triplet'):
        super().__init__()
        if margin is not None and not margin >= 0:
            raise ValueError(f'TripletLoss: margin must be >= 0 or None '
                             f'(soft margin), got {margin!r}.')
        if distance not in DISTANCES:
            raise ValueError(f'TripletLoss: unknown distance {distance!r}, '
                             f'expected one of {DISTANCES}.')
        if reduction not in REDUCTIONS:
            raise ValueError(f'TripletLoss: unknown reduction '
                             f'{reduction!r}, expected one of {REDUCTIONS}.')
        if not loss_name.startswith('loss_'):
            raise ValueError(f"TripletLoss: loss_name must start with "
                             f"'loss_' (mmengine sums only those), got "
                             f'{loss_name!r}.')
        self.margin = margin
        self.distance = distance
        self.reduction = reduction
        self.loss_weight = loss_weight
        self.loss_name = loss_name
        self._checked_on_device = False

    def _check_batch(self, labels: torch.Tensor) -> None:
        """Refuse a batch without a single usable anchor (see class doc)."""
        if labels.device.type != 'cpu':
            if self._checked_on_device:
                return
            self._checked_on_device = True
        counts = identity_counts(labels)
        if len(counts) < 2 or max(counts.values()) < 2:
            raise ValueError(
                'TripletLoss: the batch has no anchor with both a positive '
                '(another image of its identity) and a negative (an image of '
                f'another identity); images per identity: {counts}. '
                'Batch-hard mining needs P >= 2 identities with K >= 2 '
                'images each: use IdentityBalancedSampler with num_ids >= 2 '
                'and ins_per_id >= 2.')

    def forward(self, embeddings: torch.Tensor,
                labels: torch.Tensor) -> torch.Tensor:
        """The weighted loss.

        Args:
            embeddings (Tensor): N x D.
            labels (Tensor): N identity labels.

        Returns:
            Tensor: A scalar, or N values for reduction 'none'.
        """
        if embeddings.dim() != 2 or labels.shape != embeddings.shape[:1]:
            raise ValueError(
                'TripletLoss expects N x D embeddings and N labels, got '
                f'{tuple(embeddings.shape)} and {tuple(labels.shape)}.')
        self._check_batch(labels)
        if embeddings.dtype in (torch.float16, torch.bfloat16):
            embeddings = embeddings.float()
        dist = pairwise_distance(embeddings, self.distance)
        same = labels[:, None] == labels[None, :]
        not_self = ~torch.eye(len(labels), dtype=torch.bool,
                              device=labels.device)
        positive = same & not_self
        negative = ~same
        # Fill values that never win the max / min (distances are >= 0);
        # rows with no positive or negative are masked out below.
        hardest_positive = dist.masked_fill(~positive, 0).amax(dim=1)
        ceiling = dist.detach().amax() + 1
        hardest_negative = torch.where(negative, dist, ceiling).amin(dim=1)
        gap = hardest_positive - hardest_negative
        if self.margin is None:
            per_anchor = F.softplus(gap)
        else:
            per_anchor = F.relu(gap + self.margin)
        valid = positive.any(dim=1) & negative.any(dim=1)
        per_anchor = torch.where(valid, per_anchor,
                                 torch.zeros_like(per_anchor))
        if self.reduction == 'mean':
            loss = per_anchor.sum() / valid.sum().clamp_min(1)
        elif self.reduction == 'sum':
            loss = per_anchor.sum()
        else:
            loss = per_anchor
        return self.loss_weight * loss
