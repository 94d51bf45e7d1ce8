"""The re-ID model: data preprocessor -> backbone -> neck -> head."""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmpretrain.structures import DataSample

from mmreid_dranet.registry import MODELS
from .utils import check_labels

TEST_CFG_KEYS = ('flip', 'l2_normalize')


def _build(module: Union[dict, nn.Module]) -> nn.Module:
    return module if isinstance(module, nn.Module) else MODELS.build(module)


@MODELS.register_module()
class ReIDModel(BaseModel):
    """Person re-identification model trained with identity losses.

    The neck gives the embedding by its ``forward`` (the mmpretrain
    ``GlobalAveragePooling`` contract: a tuple whose last item is N x D).
    For training, a neck with ``forward_train(feats, gt_labels)`` (e.g.
    :class:`DRANeck`) passes its richer output to the head; any other neck
    passes its ``forward`` output. The head computes the losses with
    ``head.loss(neck_output, gt_labels)``.

    Args:
        backbone (dict | nn.Module): Backbone, e.g. :class:`ReIDResNet`.
        neck (dict | nn.Module): Neck, e.g. :class:`DRANeck` or
            ``mmpretrain.GlobalAveragePooling``.
        head (dict | nn.Module): Head, e.g. :class:`DRAHead` or
            :class:`ReIDLinearHead`.
        data_preprocessor (dict | nn.Module, optional): Defaults to
            mmpretrain's ``ClsDataPreprocessor`` with ImageNet mean/std and
            BGR-to-RGB conversion.
        test_cfg (dict, optional): ``flip`` (bool): the embedding is the mean
            of the image's and its horizontal mirror's; ``l2_normalize``
            (bool): scale embeddings to unit length. Both default to False.
        init_cfg (dict, optional): Initialisation config. Defaults to None.
    """

    def __init__(self,
                 backbone: Union[dict, nn.Module],
                 neck: Union[dict, nn.Module],
                 head: Union[dict, nn.Module],
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if data_preprocessor is None:
            data_preprocessor = dict(
                type='mmpretrain.ClsDataPreprocessor',
                mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375],
                to_rgb=True)
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        test_cfg = dict(test_cfg or {})
        unknown = set(test_cfg) - set(TEST_CFG_KEYS)
        if unknown:
            raise KeyError(f'ReIDModel: unknown test_cfg keys '
                           f'{sorted(unknown)}, expected {TEST_CFG_KEYS}.')
        self.test_cfg = dict(
            flip=bool(test_cfg.get('flip', False)),
            l2_normalize=bool(test_cfg.get('l2_normalize', False)))
        self.backbone = _build(backbone)
        self.neck = _build(neck)
        self.head = _build(head)
        self._check_parts()

    def _check_parts(self) -> None:
        """Fail at build time when the parts' sizes disagree."""
        feat_dim = getattr(self.backbone, 'feat_dim', None)
        neck_in = getattr(self.neck, 'in_channels', None)
        if feat_dim is not None and neck_in is not None and \
                feat_dim != neck_in:
            raise ValueError(
                f'ReIDModel: the backbone outputs {feat_dim} channels but '
                f'the neck has in_channels={neck_in}.')
        neck_classes = getattr(self.neck, 'num_classes', None)
        head_classes = getattr(self.head, 'num_classes', None)
        if neck_classes is not None and head_classes is not None and \
                neck_classes != head_classes:
            raise ValueError(
                f'ReIDModel: neck num_classes={neck_classes} differs from '
                f'head num_classes={head_classes}.')

    def extract_feat(self, inputs: torch.Tensor) -> torch.Tensor:
        """The raw embedding (no flip, no normalisation), N x D."""
        feats = self.neck(self.backbone(inputs))
        return feats if isinstance(feats, torch.Tensor) else feats[-1]

    def embed(self, inputs: torch.Tensor) -> torch.Tensor:
        """The test embedding under ``test_cfg``, N x D.

        Args:
            inputs (Tensor): Preprocessed images, N x 3 x H x W.
        """
        embedding = self.extract_feat(inputs)
        if self.test_cfg['flip']:
            mirrored = self.extract_feat(inputs.flip(dims=[3]))
            embedding = (embedding + mirrored) / 2
        if self.test_cfg['l2_normalize']:
            embedding = F.normalize(embedding, dim=1)
        return embedding

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        """'tensor': embeddings; 'predict': samples with ``pred_feature``;
        'loss': the head's losses (``data_samples`` with ``gt_label``)."""
        if mode == 'tensor':
            return self.embed(inputs)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        raise ValueError(f'ReIDModel: invalid mode {mode!r}, expected '
                         "'tensor', 'predict' or 'loss'.")

    def loss(self, inputs: torch.Tensor,
             data_samples: List[DataSample]) -> Dict[str, torch.Tensor]:
        """Losses (``loss_*``) and training accuracies (``acc_*``).

        Args:
            inputs (Tensor): Preprocessed images, N x 3 x H x W.
            data_samples (list[DataSample]): One per image, with gt_label.
        """
        if not data_samples or 'gt_label' not in data_samples[0]:
            raise ValueError("ReIDModel: mode='loss' needs data samples "
                             'with gt_label.')
        gt_labels = torch.cat([
            sample.gt_label for sample in data_samples
        ]).to(inputs.device)
        num_classes = getattr(self.head, 'num_classes', None)
        if num_classes is not None:
            check_labels(gt_labels, num_classes, 'ReIDModel')
        feats = self.backbone(inputs)
        if hasattr(self.neck, 'forward_train'):
            neck_out = self.neck.forward_train(feats, gt_labels)
        else:
            neck_out = self.neck(feats)
        return self.head.loss(neck_out, gt_labels)

    def predict(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None
                ) -> List[DataSample]:
        """The input samples (or new ones) with ``pred_feature`` set.

        Args:
            inputs (Tensor): Preprocessed images, N x 3 x H x W.
            data_samples (list[DataSample], optional): Carried through with
                their pid, camid, is_query and img_path.

        Returns:
            list[DataSample]: ``pred_feature`` is the D-dim embedding.
        """
        embeddings = self.embed(inputs)
        if data_samples is None:
            data_samples = [DataSample() for _ in range(len(embeddings))]
        for sample, embedding in zip(data_samples, embeddings):
            sample.set_field(embedding.detach(), 'pred_feature')
        return data_samples
