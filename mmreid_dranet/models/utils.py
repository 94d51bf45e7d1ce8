"""Checks shared by the re-ID model parts."""
import torch


def check_labels(labels: torch.Tensor, num_classes: int, owner: str) -> None:
    """Raise a clear error for labels outside ``[0, num_classes)``.

    Indexing or cross-entropy with such a label fails later with an opaque
    message (a device-side assert on CUDA), so we check first.

    Args:
        labels (Tensor): 1-D integer labels.
        num_classes (int): Number of training identities.
        owner (str): Name of the module that checks, for the message.
    """
    if labels.dim() != 1 or labels.dtype.is_floating_point:
        raise ValueError(f'{owner}: gt_labels must be a 1-D integer tensor, '
                         f'got {labels.dtype} of shape {tuple(labels.shape)}.')
    if labels.numel() == 0:
        return
    low, high = int(labels.min()), int(labels.max())
    if low < 0 or high >= num_classes:
        bad = low if low < 0 else high
        raise ValueError(
            f'{owner}: label {bad} is out of range for num_classes='
            f'{num_classes} (labels must be in [0, {num_classes - 1}]). Does '
            'num_classes match the number of training identities?')


def top1_accuracy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Percentage of samples whose highest logit is their label."""
    return (logits.argmax(dim=1) == labels).float().mean() * 100
