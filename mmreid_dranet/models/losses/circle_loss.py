"""Circle loss (Sun et al., CVPR 2020), pairwise form, over a batch."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmreid_dranet.registry import MODELS
from .triplet_loss import identity_counts

# Fill of the masked-out pairs in the log-sum-exp: far below any real
# logit (|gamma * alpha * s| stays within a few gamma), yet finite, so that
# rows without a pair give zero gradients instead of NaN.
_MASKED_LOGIT = -1e4


@MODELS.register_module()
class CircleLoss(nn.Module):
    """Circle loss on the cosine similarities of a batch (pair-wise form).

    For anchor i with positive similarities s_p (same identity, i itself
    excluded) and negative similarities s_n (other identities)::

        alpha_p = max(0, 1 + m - s_p),   alpha_n = max(0, s_n + m)
        L_i = log(1 + sum_n exp(gamma * alpha_n * (s_n - m))
                    * sum_p exp(-gamma * alpha_p * (s_p - (1 - m))))

    (Eq. 6 of the paper with Delta_p = 1 - m, Delta_n = m). The weights
    alpha are constants in the gradient (detached), as in the paper. The
    loss is the mean of L_i over the anchors with a positive and a
    negative. A batch without such an anchor is an error (as for
    :class:`TripletLoss`; checked when the labels are on the CPU).

    Args:
        margin (float): m, the relaxation. Defaults to 0.25.
        gamma (float): The scale. Defaults to 128.
        loss_weight (float): Factor of the loss. Defaults to 1.
        loss_name (str): Key in a head's loss dict. Defaults to
            ``'loss_circle'``.
    """

    def __init__(self,
                 margin: float = 0.25,
                 gamma: float = 128.0,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_circle'):
        super().__init__()
        if not 0 <= margin <= 1 or not gamma > 0:
            raise ValueError('CircleLoss: margin must be in [0, 1] and '
                             f'gamma > 0, got {margin!r} and {gamma!r}.')
        if not loss_name.startswith('loss_'):
            raise ValueError("CircleLoss: loss_name must start with 'loss_' "
                             f'(mmengine sums only those), got {loss_name!r}.')
        self.margin = margin
        self.gamma = gamma
        self.loss_weight = loss_weight
        self.loss_name = loss_name

    def forward(self, embeddings: torch.Tensor,
                labels: torch.Tensor) -> torch.Tensor:
        """The weighted loss, a scalar.

        Args:
            embeddings (Tensor): N x D (normalised here).
            labels (Tensor): N identity labels.
        """
        if embeddings.dim() != 2 or labels.shape != embeddings.shape[:1]:
            raise ValueError(
                'CircleLoss expects N x D embeddings and N labels, got '
                f'{tuple(embeddings.shape)} and {tuple(labels.shape)}.')
        unit = F.normalize(embeddings.float(), dim=1)
        sim = unit @ unit.t()
        same = labels[:, None] == labels[None, :]
        positive = same & ~torch.eye(
            len(labels), dtype=torch.bool, device=labels.device)
        negative = ~same
        valid = positive.any(dim=1) & negative.any(dim=1)
        if labels.device.type == 'cpu' and not bool(valid.any()):
            raise ValueError(
                'CircleLoss: the batch has no anchor with both a positive '
                'and a negative; images per identity: '
                f'{identity_counts(labels)}. Use IdentityBalancedSampler '
                'with num_ids >= 2 and ins_per_id >= 2.')
        m = self.margin
        alpha_p = (1 + m - sim.detach()).clamp_min(0)
        alpha_n = (sim.detach() + m).clamp_min(0)
        logit_p = (-self.gamma * alpha_p * (sim - (1 - m))).masked_fill(
            ~positive, _MASKED_LOGIT)
        logit_n = (self.gamma * alpha_n * (sim - m)).masked_fill(
            ~negative, _MASKED_LOGIT)
        per_anchor = F.softplus(
            torch.logsumexp(logit_p, dim=1) + torch.logsumexp(logit_n, dim=1))
        per_anchor = torch.where(valid, per_anchor,
                                 torch.zeros_like(per_anchor))
        loss = per_anchor.sum() / valid.sum().clamp_min(1)
        return self.loss_weight * loss
