"""ResNet, last stride 1, loading torchvision or mmpretrain weights."""
import logging
import os
import os.path as osp
from typing import Dict, Optional, Sequence

import torch
from mmengine.logging import print_log
from mmpretrain.models import ResNet

from mmreid_dranet.registry import MODELS
from mmreid_dranet.utils.checkpoint import load_checkpoint_safely

# mmpretrain's ResNet already names its layers as torchvision does
# (conv1, bn1, layer1.0.conv1, layer1.0.downsample.0 ...); a checkpoint of
# either library only differs in what wraps the backbone.
_MMPRETRAIN_PREFIX = 'backbone.'
_TORCHVISION_CLASSIFIER = 'fc.'


def convert_resnet_state_dict(checkpoint: dict,
                              prefix: Optional[str] = None
                              ) -> Dict[str, torch.Tensor]:
    """Keep the backbone weights of a ResNet checkpoint, in our key names.

    Args:
        checkpoint (dict): A torchvision state dict (``conv1.weight``,
            ``fc.*`` ...), or an mmpretrain/mmengine checkpoint (optionally
            under ``'state_dict'``; ``backbone.*`` kept, ``head.*`` and the
            rest dropped).
        prefix (str, optional): Only keep the keys under this prefix and
            strip it. Defaults to None: ``'backbone.'`` when any key has it,
            else every key but the torchvision classifier ``fc.*``.

    Returns:
        dict[str, Tensor]: The backbone state dict.
    """
    state_dict = checkpoint.get('state_dict', checkpoint)
    if prefix is None and any(
            key.startswith(_MMPRETRAIN_PREFIX) for key in state_dict):
        prefix = _MMPRETRAIN_PREFIX
    if prefix:
        return {
            key[len(prefix):]: value
            for key, value in state_dict.items() if key.startswith(prefix)
        }
    return {
        key: value
        for key, value in state_dict.items()
        if not key.startswith(_TORCHVISION_CLASSIFIER)
    }


def _local_checkpoint_path(checkpoint: str) -> str:
    """Download a URL into torch's hub cache once; check a local path."""
    if checkpoint.startswith(('http://', 'https://')):
        cache_dir = osp.join(torch.hub.get_dir(), 'checkpoints')
        os.makedirs(cache_dir, exist_ok=True)
        filename = osp.join(cache_dir, osp.basename(checkpoint))
        if not osp.exists(filename):
            print_log(f'Downloading {checkpoint} to {filename}',
                      logger='current')
            try:
                torch.hub.download_url_to_file(checkpoint, filename)
            except OSError as error:  # URLError, timeouts, DNS failures
                raise OSError(
                    f'ReIDResNet could not download its ImageNet weights '
                    f'from {checkpoint} ({error}). On a machine without '
                    'internet, download the file elsewhere and give the '
                    'local path: --cfg-options model.backbone.init_cfg.'
                    'checkpoint=/path/to/' + osp.basename(checkpoint) +
                    ' (or place it at ' + filename + '); to train from '
                    'scratch instead: --cfg-options '
                    'model.backbone.init_cfg=None.') from None
        return filename
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(
            f'Pretrained checkpoint {checkpoint!r} of ReIDResNet does not '
            'exist.')
    return checkpoint


def _describe(keys: Sequence[str], limit: int = 10) -> str:
    keys = sorted(keys)
    more = f' ... (+{len(keys) - limit} more)' if len(keys) > limit else ''
    return ', '.join(keys[:limit]) + more


@MODELS.register_module()
class ReIDResNet(ResNet):
    """mmpretrain's ResNet with the re-ID defaults: last stride 1.

    With stride 1 in the last stage a 384x128 crop gives a 24x8 feature map
    (16x downsampling), which the part-based necks split into stripes.

    ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix=None)`` loads
    an ImageNet checkpoint in torchvision format (``fc.*`` dropped) or
    mmpretrain format (``backbone.*`` kept, ``head.*`` dropped), from a local
    path or a URL, with torch's safe unpickler only. Missing and unexpected
    keys are logged as warnings; a checkpoint that matches no key at all, or
    a tensor of the wrong shape, is an error.

    Args:
        depth (int): ResNet depth, one of 18, 34, 50, 101, 152.
            Defaults to 50.
        strides (Sequence[int]): Stride of the first block of each stage.
            Defaults to ``(1, 2, 2, 1)``.
        out_indices (Sequence[int]): Stages whose outputs are returned.
            Defaults to ``(3, )``.
        init_cfg (dict | list[dict], optional): Initialisation config, see
            above. Defaults to mmpretrain's Kaiming/constant initialisation.
        **kwargs: Other arguments of :class:`mmpretrain.models.ResNet`.
    """

    def __init__(self,
                 depth: int = 50,
                 strides: Sequence[int] = (1, 2, 2, 1),
                 out_indices: Sequence[int] = (3, ),
                 **kwargs):
        super().__init__(
            depth=depth, strides=strides, out_indices=out_indices, **kwargs)

    def _pretrained_cfg(self) -> Optional[dict]:
        cfgs = self.init_cfg if isinstance(self.init_cfg,
                                           list) else [self.init_cfg]
        pretrained = [
            cfg for cfg in cfgs
            if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained'
        ]
        return pretrained[-1] if pretrained else None

    def init_weights(self):
        """Initialise randomly, or load the ``Pretrained`` checkpoint."""
        pretrained = self._pretrained_cfg()
        if pretrained is None:
            super().init_weights()
            return
        # Our own loader replaces mmengine's PretrainedInit: it converts the
        # keys and never unpickles anything but tensors.
        self.load_pretrained(pretrained['checkpoint'],
                             prefix=pretrained.get('prefix'))
        self._is_init = True

    def load_pretrained(self, checkpoint: str,
                        prefix: Optional[str] = None) -> None:
        """Load backbone weights from ``checkpoint`` (path or URL).

        Args:
            checkpoint (str): torchvision or mmpretrain checkpoint.
            prefix (str, optional): See :func:`convert_resnet_state_dict`.
        """
        filename = _local_checkpoint_path(checkpoint)
        state_dict = convert_resnet_state_dict(
            load_checkpoint_safely(filename), prefix=prefix)
        own = self.state_dict()
        matched = set(state_dict) & set(own)
        if not matched:
            raise KeyError(
                f'Checkpoint {checkpoint!r} has no ResNet backbone weights: '
                f'its keys are {_describe(state_dict)}, ours are '
                f'{_describe(own)}.')
        for key in sorted(matched):
            if state_dict[key].shape != own[key].shape:
                raise ValueError(
                    f'Checkpoint {checkpoint!r}: {key} has shape '
                    f'{tuple(state_dict[key].shape)}, the ReIDResNet of depth '
                    f'{self.depth} expects {tuple(own[key].shape)}.')
        result = self.load_state_dict(state_dict, strict=False)
        # torchvision files predate BN's num_batches_tracked counters.
        missing = [
            key for key in result.missing_keys
            if not key.endswith('num_batches_tracked')
        ]
        if missing:
            print_log(
                f'ReIDResNet: {len(missing)} weights missing from '
                f'{checkpoint!r}, left at their initial values: '
                f'{_describe(missing)}', logger='current',
                level=logging.WARNING)
        if result.unexpected_keys:
            print_log(
                f'ReIDResNet: {len(result.unexpected_keys)} unexpected keys '
                f'in {checkpoint!r} ignored: '
                f'{_describe(result.unexpected_keys)}', logger='current',
                level=logging.WARNING)
        print_log(f'ReIDResNet: loaded {len(matched)} tensors from '
                  f'{checkpoint!r}', logger='current')
