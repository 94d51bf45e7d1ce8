"""Small helpers shared by the re-ID model parts."""
import torch


def top1_accuracy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Percentage of samples whose highest logit is their label."""
    return (logits.argmax(dim=1) == labels).float().mean() * 100
