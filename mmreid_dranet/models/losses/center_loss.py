"""Center loss (Wen et al., ECCV 2016), as the BoT re-ID baseline uses it."""
import torch
import torch.nn as nn

from mmreid_dranet.registry import MODELS
from .triplet_loss import REDUCTIONS


@MODELS.register_module()
class CenterLoss(nn.Module):
    """Squared distance of each embedding to its identity's learned center.

    ``l_i = ||x_i - c_{y_i}||^2``, reduced over the batch and scaled by
    ``loss_weight``. Wen et al. write a factor 1/2; BoT (Luo et al., 2019)
    does not, and its weight 5e-4 is for this form, so the 1/2 is left out.

    The centers are parameters of the model and are learned by the run's
    optimizer (BoT steps them with a separate SGD at lr 0.5; mmengine's
    single optimizer is used here: set a ``paramwise_cfg`` custom key
    ``'centers'`` to give them their own rate).

    Inside a head, ``num_classes`` and ``in_channels`` (the embedding
    length) are handed over: configs do not write them.

    Args:
        num_classes (int): Training identities (rows of the centers).
        in_channels (int): Length of the embedding.
        reduction (str): 'mean', 'sum' or 'none' (N values). Defaults to
            'mean'.
        loss_weight (float): Factor of the loss. Defaults to 5e-4 (BoT).
        loss_name (str): Key in a head's loss dict. Defaults to
            'loss_center'.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 reduction: str = 'mean',
                 loss_weight: float = 5e-4,
                 loss_name: str = 'loss_center'):
        super().__init__()
        for name, value in (('num_classes', num_classes),
                            ('in_channels', in_channels)):
            if int(value) != value or value < 1:
                raise ValueError(f'CenterLoss: {name} must be a positive '
                                 f'integer, got {value!r}.')
        if reduction not in REDUCTIONS:
            raise ValueError(f'CenterLoss: unknown reduction {reduction!r}, '
                             f'expected one of {REDUCTIONS}.')
        if not loss_name.startswith('loss_'):
            raise ValueError("CenterLoss: loss_name must start with 'loss_' "
                             f'(mmengine sums only those), got {loss_name!r}.')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.reduction = reduction
        self.loss_weight = loss_weight
        self.loss_name = loss_name
        self.centers = nn.Parameter(torch.randn(num_classes, in_channels))

    def forward(self, embeddings: torch.Tensor,
                labels: torch.Tensor) -> torch.Tensor:
        """The weighted loss.

        Args:
            embeddings (Tensor): N x in_channels.
            labels (Tensor): N labels in [0, num_classes) (their range is
                checked on the CPU by :class:`ReIDDataPreprocessor`).

        Returns:
            Tensor: A scalar, or N values for reduction 'none'.
        """
        if embeddings.dim() != 2 or embeddings.size(1) != self.in_channels:
            raise ValueError(
                f'CenterLoss expects N x {self.in_channels} embeddings '
                f'(in_channels={self.in_channels}), got '
                f'{tuple(embeddings.shape)}.')
        diff = embeddings.float() - self.centers[labels].float()
        per_sample = diff.pow(2).sum(dim=1)
        if self.reduction == 'mean':
            per_sample = per_sample.mean()
        elif self.reduction == 'sum':
            per_sample = per_sample.sum()
        return self.loss_weight * per_sample
