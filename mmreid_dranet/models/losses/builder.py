"""Build the losses a head names in its config."""
import inspect
from typing import List, Optional, Sequence, Union

import torch.nn as nn

from mmreid_dranet.registry import MODELS
from ..utils import build_model_part

LossCfg = Union[dict, nn.Module]


def build_loss(cfg: LossCfg, **handed) -> nn.Module:
    """A loss module from its config (or the module itself).

    The head hands what it knows (``num_classes``, ``in_channels``) to the
    losses whose constructor names the argument (e.g. :class:`CenterLoss`),
    as :class:`ReIDModel` does for its parts; a config that writes a handed
    value differently is an error. An unknown ``type`` raises the registry's
    own error.

    Args:
        cfg (dict | nn.Module): e.g. ``dict(type='TripletLoss', margin=0.3)``.
        **handed: Values the head hands to the loss.
    """
    if isinstance(cfg, nn.Module):
        return cfg
    if not isinstance(cfg, dict) or 'type' not in cfg:
        raise TypeError(f'A loss config must be a dict with a type, e.g. '
                        f"dict(type='TripletLoss', margin=0.3); got {cfg!r}.")
    cfg = dict(cfg)
    loss_cls = MODELS.get(cfg['type']) if isinstance(cfg['type'],
                                                     str) else cfg['type']
    if inspect.isclass(loss_cls):
        params = inspect.signature(loss_cls.__init__).parameters
        for key, value in handed.items():
            if key not in params or value is None:
                continue
            if cfg.get(key) is not None and cfg[key] != value:
                raise ValueError(
                    f"loss {cfg['type']}: {key}={cfg[key]!r} disagrees with "
                    f"the head's {key}={value!r}; remove it from the loss "
                    'config (the head hands it over).')
            cfg[key] = value
    return build_model_part(cfg)


def build_metric_losses(cfgs: Optional[Union[LossCfg, Sequence[LossCfg]]],
                        **handed) -> nn.ModuleList:
    """The metric-learning losses of a head (none, one or a list).

    Each needs a distinct ``loss_name`` (its key in the loss dict; e.g.
    'loss_triplet'); a loss without the attribute is called 'loss_metric'.
    """
    if cfgs is None:
        cfgs = []
    elif isinstance(cfgs, (dict, nn.Module)):
        cfgs = [cfgs]
    losses = nn.ModuleList(build_loss(cfg, **handed) for cfg in cfgs)
    names: List[str] = [loss_key(loss) for loss in losses]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f'Two metric losses have the same key {repeated}: '
                         "give one a different loss_name='loss_...'.")
    return losses


def loss_key(loss: nn.Module) -> str:
    """The key of a metric loss in the loss dict."""
    return getattr(loss, 'loss_name', 'loss_metric')
