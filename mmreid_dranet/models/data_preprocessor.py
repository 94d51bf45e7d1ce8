"""The data preprocessor of re-ID models: mmpretrain's, plus a label check."""
from typing import Optional, Sequence

import torch
from mmpretrain.models import ClsDataPreprocessor

from mmreid_dranet.registry import MODELS


@MODELS.register_module()
class ReIDDataPreprocessor(ClsDataPreprocessor):
    """``mmpretrain.ClsDataPreprocessor`` that checks training labels.

    A label outside ``[0, num_classes)`` fails deep inside a loss or an
    index with an opaque message (a device-side assert on CUDA). The labels
    are checked here, once per step, while they are still on the CPU, as
    the dataloader made them: no host-device synchronisation, and the check
    runs under DDP too (mmengine's DDP wrapper calls the preprocessor, not
    the model's ``train_step``). ``num_classes`` is set by
    :class:`ReIDModel`; None checks nothing.

    Args:
        num_classes (int, optional): Training identities. Defaults to None.
        **kwargs: Arguments of ``mmpretrain.ClsDataPreprocessor`` (``mean``,
            ``std``, ``to_rgb``, ...).
    """

    def __init__(self, num_classes: Optional[int] = None, **kwargs):
        super().__init__(num_classes=num_classes, **kwargs)

    def forward(self, data: dict, training: bool = False) -> dict:
        """Check the labels (when training), then preprocess as mmpretrain.

        Args:
            data (dict): ``inputs`` and ``data_samples`` from the dataloader.
            training (bool): Whether this is a training step.

        Returns:
            dict: ``inputs`` (N x 3 x H x W float) and ``data_samples``.
        """
        if training and self.num_classes is not None:
            check_sample_labels(data.get('data_samples') or [],
                                self.num_classes)
        return super().forward(data, training)


def check_sample_labels(data_samples: Sequence, num_classes: int) -> None:
    """Raise naming the sample and ``model.num_classes`` for a label outside
    ``[0, num_classes)``.

    Args:
        data_samples (Sequence[DataSample]): Samples with ``gt_label``.
        num_classes (int): The model's identity count.
    """
    labeled = [s for s in data_samples if 'gt_label' in s]
    if not labeled:
        return
    labels = torch.cat([s.gt_label.reshape(-1) for s in labeled])
    if labels.dtype.is_floating_point:
        raise ValueError(f'ReIDDataPreprocessor: gt_label must be integer '
                         f'identity labels, got {labels.dtype}.')
    bad = ((labels < 0) | (labels >= num_classes)).nonzero()
    if len(bad):
        index = int(bad[0])
        sample = labeled[index] if len(labels) == len(labeled) else None
        where = sample.metainfo.get('img_path', '?') if sample else '?'
        raise ValueError(
            f'label {int(labels[index])} of sample {where!r} is out of range '
            f'for model.num_classes={num_classes} (labels must be in '
            f'[0, {num_classes - 1}]). Leave model.num_classes out of the '
            'config to read the count from the training data.')
