"""The re-ID model: data preprocessor -> backbone -> neck -> head."""
import inspect
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmpretrain.structures import DataSample

from mmreid_dranet.registry import MODELS
from .backbones.out_channels import probe_out_channels
from .utils import build_model_part

TEST_CFG_KEYS = ('flip', 'l2_normalize')
DEFAULT_DATA_PREPROCESSOR = dict(
    type='ReIDDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)


@MODELS.register_module()
class ReIDModel(BaseModel):
    """Person re-identification model trained with identity losses.

    Each hyperparameter is written once and handed to the parts that need
    it (as mmdet hands ``train_cfg`` to its heads):

    - ``num_classes`` lives here and goes to the neck and head (and to the
      data preprocessor, which checks the labels); left out (None) in a
      config, :class:`mmreid_dranet.engine.ReIDRunner` reads it from the
      training split;
    - the neck gets ``in_channels`` from the backbone's ``feat_dim``: the
      channels of its last output, measured by one dry forward of a blank
      64 x 64 image at build time
      (:func:`~mmreid_dranet.models.backbones.probe_out_channels`), so
      that any mmpretrain backbone (``mmpretrain.ConvNeXt``,
      ``mmpretrain.VisionTransformer`` ...) goes in as it is configured,
      with its own ``out_indices`` (the last output is used);
    - the head gets what the neck says it must agree with: the neck's
      ``head_args`` (e.g. :class:`DRANeck` gives K, the number of parts and
      its branch switches), else ``in_channels`` = the backbone's
      ``feat_dim`` (e.g. mmpretrain's ``GlobalAveragePooling``).

    A part config may repeat a handed value only if it agrees; a different
    value is an error naming both keys. Only the arguments a part's
    constructor accepts are handed to it.

    The neck gives the embedding by its ``forward`` (the mmpretrain
    ``GlobalAveragePooling`` contract: a tuple whose last item is N x D).
    For training, a neck with ``forward_train(feats, gt_labels)`` (e.g.
    :class:`DRANeck`) passes its richer output to the head; any other neck
    passes its ``forward`` output. The head computes the losses with
    ``head.loss(neck_output, gt_labels)``.

    Args:
        backbone (dict | nn.Module): Backbone, e.g. :class:`ReIDResNet` or
            any mmpretrain backbone (``type='mmpretrain.RegNet'``). Its last
            output is an N x C x H x W map (any neck) or a pooled N x C
            feature (``BNNeck``, e.g. ViT's class token).
        neck (dict | nn.Module): Neck, e.g. :class:`DRANeck` or
            ``mmpretrain.GlobalAveragePooling``.
        head (dict | nn.Module): Head, e.g. :class:`DRAHead` or
            :class:`ReIDLinearHead`.
        num_classes (int, optional): Training identities. Defaults to None
            (filled from the data by ``ReIDRunner``; a head that needs it
            then fails with a message saying so).
        data_preprocessor (dict | nn.Module, optional): Defaults to
            :class:`ReIDDataPreprocessor` with ImageNet mean/std and
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
                 num_classes: Optional[int] = None,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if num_classes is not None and (isinstance(num_classes, bool) or
                                        int(num_classes) != num_classes or
                                        num_classes < 1):
            raise ValueError('ReIDModel: model.num_classes must be a '
                             f'positive integer or None, got {num_classes!r}.')
        handed = dict(num_classes=num_classes)
        data_preprocessor = _build_part(
            data_preprocessor or DEFAULT_DATA_PREPROCESSOR,
            'data_preprocessor', handed)
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
        self.num_classes = num_classes
        self.backbone = _build_part(backbone, 'backbone', {})
        feat_dim = probe_out_channels(self.backbone)
        self.feat_dim = feat_dim
        self.neck = _build_part(neck, 'neck',
                                dict(handed, in_channels=feat_dim))
        neck_args = getattr(self.neck, 'head_args', None)
        if neck_args is None:
            neck_args = dict(in_channels=feat_dim)
        self.head = _build_part(head, 'head', dict(neck_args, **handed))

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


def _named_args(part_cls: type) -> set:
    """The arguments a constructor names (``**kwargs`` takes none of ours:
    handing a value to a part that never asked for it would be a guess)."""
    params = inspect.signature(part_cls.__init__).parameters.values()
    return {p.name for p in params if p.kind != p.VAR_KEYWORD}


def _build_part(part: Union[dict, nn.Module], role: str,
                handed: dict) -> nn.Module:
    """Build ``model.<role>`` with the values the model hands it.

    A value is handed only if it is not None and the part's constructor
    takes it; a config that states it differently is an error.
    """
    handed = {k: v for k, v in handed.items() if v is not None}
    if isinstance(part, nn.Module):
        for key, value in handed.items():
            own = getattr(part, key, value)
            if own is not None and own != value:
                raise ValueError(_conflict(role, key, own, value))
        return part
    part = dict(part)
    part_cls = MODELS.get(part['type']) if isinstance(
        part.get('type'), str) else part.get('type')
    if part_cls is None:
        # Let the registry raise its own message for an unknown type.
        return build_model_part(part)
    accepted = _named_args(part_cls)
    for key, value in handed.items():
        if key in part and part[key] is not None and part[key] != value:
            raise ValueError(_conflict(role, key, part[key], value))
        if key in accepted:
            part[key] = value
    _require_num_classes(part_cls, part, role)
    return build_model_part(part)


def _require_num_classes(part_cls: type, part: dict, role: str) -> None:
    params = inspect.signature(part_cls.__init__).parameters
    needed = params.get('num_classes')
    if needed is not None and needed.default is needed.empty and \
            part.get('num_classes') is None:
        raise ValueError(
            f'ReIDModel: model.num_classes is not set, and the {role} '
            f'{part_cls.__name__} needs it. Build the Runner with '
            "mmreid_dranet's ReIDRunner (the configs' runner_type; "
            'tools/train.py, `mim train` and RUNNERS.build(cfg) do), which '
            'reads the count from the training data, or set '
            'model.num_classes in the config.')


def _conflict(role: str, key: str, own, handed) -> str:
    source = 'model.num_classes' if key == 'num_classes' else (
        "the backbone's feat_dim" if role == 'neck' else
        f'the neck ({key}={handed})')
    return (f'ReIDModel: model.{role}.{key}={own!r} disagrees with '
            f'{source} = {handed!r}. Write it once: remove '
            f'model.{role}.{key} from the config.')
