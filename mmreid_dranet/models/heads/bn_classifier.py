"""BatchNorm + bias-free linear identity classifier (BNNeck style)."""
import torch
import torch.nn as nn


class BNClassifier(nn.Module):
    """BN1d then a bias-free linear layer to identity logits.

    BN before the classifier keeps the cross-entropy from dictating the
    scale of the pooled feature; the BN shift makes a linear bias redundant.

    Args:
        in_channels (int): Length of the input feature.
        num_classes (int): Number of identities.
        with_bn (bool): Normalise first. False when the feature is already
            batch-normalised (:class:`BNNeck`): then only the linear layer.
            Defaults to True.
    """

    def __init__(self, in_channels: int, num_classes: int,
                 with_bn: bool = True):
        super().__init__()
        self.in_channels = in_channels
        self.bn = nn.BatchNorm1d(in_channels) if with_bn else nn.Identity()
        self.fc = nn.Linear(in_channels, num_classes, bias=False)

    def forward(self, feature: torch.Tensor) -> torch.Tensor:
        """Logits, N x num_classes, of an N x in_channels feature."""
        if feature.dim() != 2 or feature.size(1) != self.in_channels:
            raise ValueError(
                f'BNClassifier expects an N x {self.in_channels} feature '
                f'(in_channels={self.in_channels}), got shape '
                f'{tuple(feature.shape)}.')
        return self.fc(self.bn(feature))
