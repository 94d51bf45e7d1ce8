"""Build a re-ID model for inference from a config and a checkpoint."""
import copy
import logging
import re
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmreid_dranet.registry import SCOPE as DEFAULT_SCOPE
from mmreid_dranet.utils.checkpoint import load_checkpoint_safely
from mmreid_dranet.utils.config import load_config
from .model_index import get_config_path

# Shown per kind of mismatch; the full counts are given too.
_SHOWN_KEYS = 5


class CheckpointMismatchError(ValueError):
    """A checkpoint whose weights do not fit the model of a config."""


def load_inference_config(config: Union[str, Config],
                          cfg_options: Optional[dict] = None) -> Config:
    """A config from a file, a model-index name or a Config (copied).

    Args:
        config (str | Config): Config file, name of
            :func:`mmreid_dranet.apis.list_models`, or a loaded Config.
        cfg_options (dict, optional): Overrides, as ``--cfg-options``, e.g.
            ``{'model.test_cfg.flip': True}``.
    """
    if isinstance(config, Config):
        cfg = copy.deepcopy(config)
    elif isinstance(config, str):
        cfg = load_config(get_config_path(config))
    else:
        raise TypeError('config must be a config file, a model name or an '
                        f'mmengine Config, got {type(config).__name__}')
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if 'model' not in cfg:
        raise KeyError(f'the config {getattr(cfg, "filename", "")!r} has no '
                       '`model` entry')
    return cfg


def init_model(config: Union[str, Config],
               checkpoint: Optional[str] = None,
               device: Union[str, torch.device] = 'cpu',
               cfg_options: Optional[dict] = None,
               num_classes: Optional[int] = None) -> nn.Module:
    """Build the config's model and load a checkpoint into it, strictly.

    ``model.num_classes`` (absent from shipped configs) is read from the
    checkpoint by
    :func:`mmreid_dranet.engine.num_classes.resolve_num_classes` (as for
    ``tools/test.py``), never from training data. Every weight of the model
    must be in the checkpoint with the same shape and the checkpoint must
    hold no other weight: a checkpoint of another config is refused with
    the first mismatching keys named, never loaded halfway.

    Args:
        config (str | Config): Config file, model-index name or Config.
        checkpoint (str, optional): Checkpoint file (loaded with the safe
            unpickler). None keeps the initial (random) weights, for tests
            and exports of an untrained model.
        device (str | torch.device): Where the model goes. Defaults to
            'cpu'.
        cfg_options (dict, optional): Config overrides.
        num_classes (int, optional): Identity count when neither the config
            nor a checkpoint gives it.

    Returns:
        nn.Module: The model in eval mode, with the config as ``_config``
        (and the checkpoint file as ``_checkpoint``)
        (the attribute mmpretrain's inferencers read).
    """
    from mmreid_dranet.engine.num_classes import resolve_num_classes
    from mmreid_dranet.registry import MODELS

    cfg = load_inference_config(config, cfg_options)
    state = None
    if checkpoint is not None:
        state = load_checkpoint_safely(checkpoint)
    cfg.model.num_classes = resolve_num_classes(
        cfg, state, read_run_sources=False, default=num_classes)
    cfg.model.pop('init_cfg', None)  # never download pretrained weights
    if isinstance(cfg.model.get('backbone'), dict):
        cfg.model.backbone.pop('init_cfg', None)
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', DEFAULT_SCOPE)):
        model = MODELS.build(cfg.model)
    if state is not None:
        load_state_strictly(model, state, checkpoint, cfg.filename)
    else:
        _init_weights_quietly(model)
    model._config = cfg
    # The file the weights came from, for the embeddings' provenance.
    model._checkpoint = checkpoint
    return model.to(device).eval()


def _init_weights_quietly(model: nn.Module) -> None:
    """``init_weights`` without mmengine's per-parameter INFO report."""
    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    level = logger.level
    # mmengine writes its initialisation report straight into the streams
    # of the current logger's file handlers; the handler of a finished run
    # (closed: stream None) would crash it. Set those aside for the call.
    closed = [h for h in logger.handlers
              if isinstance(h, logging.FileHandler) and h.stream is None]
    for handler in closed:
        logger.removeHandler(handler)
    logger.setLevel(logging.WARNING)
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)
        for handler in closed:
            logger.addHandler(handler)


def load_state_strictly(model: nn.Module, checkpoint: dict, source: str,
                        config_name: str = '') -> None:
    """Load a checkpoint's ``state_dict`` after checking that it fits.

    Args:
        model (nn.Module): The model.
        checkpoint (dict): A loaded checkpoint (or a bare state dict).
        source (str): The checkpoint's file, for the message.
        config_name (str): The config's file, for the message.

    Raises:
        CheckpointMismatchError: Naming the first missing, unexpected and
            wrongly shaped keys.
    """
    state_dict = checkpoint.get('state_dict', checkpoint)
    # DDP-wrapped models save their weights as 'module.<name>'.
    state_dict = {re.sub(r'^module\.', '', k): v
                  for k, v in state_dict.items()}
    problems = state_dict_mismatches(model.state_dict(), state_dict)
    if problems:
        described = '; '.join(
            f'{len(keys)} {kind} (first: {", ".join(keys[:_SHOWN_KEYS])})'
            for kind, keys in problems.items())
        raise CheckpointMismatchError(
            f'checkpoint {source!r} does not fit the model of config '
            f'{config_name!r}: {described}. Use the config the checkpoint '
            'was trained with.')
    model.load_state_dict(state_dict, strict=True)


def state_dict_mismatches(expected: Dict[str, torch.Tensor],
                          given: Dict[str, object]) -> Dict[str, List[str]]:
    """Keys of ``given`` that do not fit ``expected``, by kind.

    Returns:
        dict[str, list[str]]: Non-empty lists under 'missing keys',
        'unexpected keys' and 'shape mismatches' (``key: ckpt vs model``).
    """
    missing = [k for k in expected if k not in given]
    unexpected = [k for k in given if k not in expected]
    shapes = [
        f'{k}: {tuple(given[k].shape)} in the checkpoint vs '
        f'{tuple(v.shape)} in the model' for k, v in expected.items()
        if k in given and hasattr(given[k], 'shape') and
        tuple(given[k].shape) != tuple(v.shape)
    ]
    found = {'missing keys': missing, 'unexpected keys': unexpected,
             'shape mismatches': shapes}
    return {kind: keys for kind, keys in found.items() if keys}
