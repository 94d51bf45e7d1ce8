"""mmpretrain's LabelSmoothLoss without its per-call host-device sync."""
import torch
import torch.nn.functional as F
from mmpretrain.models.losses import LabelSmoothLoss as _MMPretrainLabelSmooth

from mmreid_dranet.registry import MODELS


@MODELS.register_module()
class LabelSmoothLoss(_MMPretrainLabelSmooth):
    """Label-smoothed cross-entropy: mmpretrain's ``LabelSmoothLoss``.

    The same class, arguments and numbers (``mode='original'`` gives
    targets ``(1 - eps) * onehot + eps / num_classes``, the same as
    ``F.cross_entropy(label_smoothing=eps)``), except one thing: mmpretrain
    checks ``labels.max().item() < num_classes`` on every call, which on a
    GPU waits for the device each training step. Here the labels' range is
    checked on the CPU, once per batch, by :class:`ReIDDataPreprocessor`,
    so the one-hot targets are made without reading the labels back.

    In the ``mmreid_dranet`` scope ``type='LabelSmoothLoss'`` builds this
    class; ``'mmpretrain.LabelSmoothLoss'`` still builds the original.

    The arguments are those of mmpretrain's ``LabelSmoothLoss``
    (``label_smooth_val``, ``num_classes``, ``use_sigmoid``, ``mode``,
    ``reduction``, ``loss_weight``, ``class_weight``, ``pos_weight``).
    """

    def generate_one_hot_like_label(self, label: torch.Tensor
                                    ) -> torch.Tensor:
        """Float N x num_classes targets from N (or N x 1) class indices;
        one-hot-like N x num_classes targets pass through."""
        if label.dim() == 1 or (label.dim() == 2 and label.shape[1] == 1):
            label = F.one_hot(label.reshape(-1).long(), self.num_classes)
        return label.float()
