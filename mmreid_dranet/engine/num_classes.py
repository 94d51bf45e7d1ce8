"""The identity count of a config's model, where the config leaves it out.

A re-ID model has one classifier output per training identity. Configs do
not state that number: :func:`resolve_num_classes` finds it, for
:class:`mmreid_dranet.engine.ReIDRunner`, ``tools/test.py`` and
:func:`mmreid_dranet.apis.init_model` alike.
"""
import copy
from typing import Optional, Union

from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.registry import DefaultScope

from mmreid_dranet.registry import DATASETS, SCOPE
from mmreid_dranet.utils.checkpoint import num_classes_from_checkpoint


def resolve_num_classes(cfg: Config,
                        checkpoint: Union[str, dict, None] = None,
                        read_run_sources: bool = True,
                        default: Optional[int] = None) -> Optional[int]:
    """The identity count for ``cfg.model``.

    The first source that tells, in this order:

    1. ``cfg.model.num_classes`` (the config states it);
    2. ``checkpoint``: a model that is only used (tested, run, exported)
       must match the checkpoint it loads, whatever training data is on the
       machine;
    3. with ``read_run_sources``, the run's own sources: the training split
       (``metainfo['num_ids']``) when the config trains (``train_cfg`` and
       ``train_dataloader`` set), else the checkpoint in ``cfg.load_from``
       (a run that only tests);
    4. ``default``.

    Callers: :class:`mmreid_dranet.engine.ReIDRunner` (the run's sources),
    ``tools/test.py`` and :func:`mmreid_dranet.apis.init_model` (the given
    checkpoint only).

    Args:
        cfg (Config): The config (not changed).
        checkpoint (str | dict, optional): The checkpoint the model will
            load: a file (read with the safe unpickler) or a loaded one.
        read_run_sources (bool): Whether the training split may be built
            to count its identities and ``cfg.load_from`` read. Defaults to
            True.
        default (int, optional): The count when no source tells.

    Returns:
        int | None: The count, or None when no source tells.
    """
    stated = cfg.model.get('num_classes')
    if stated is not None:
        return stated
    counted = None
    if checkpoint is not None:
        counted = num_classes_from_checkpoint(checkpoint)
    if counted is None and read_run_sources:
        if cfg.get('train_cfg') and cfg.get('train_dataloader'):
            counted = count_identities(cfg.train_dataloader.dataset,
                                       cfg.get('default_scope', SCOPE))
        elif cfg.get('load_from'):
            counted = num_classes_from_checkpoint(cfg.load_from)
    return default if counted is None else counted


def count_identities(dataset_cfg: dict, scope: str = SCOPE) -> int:
    """Build a training set and return its ``metainfo['num_ids']``.

    Args:
        dataset_cfg (dict): The ``train_dataloader.dataset`` config.
        scope (str): The registry scope to build it in.

    Returns:
        int: The number of training identities.
    """
    with DefaultScope.overwrite_default_scope(scope):
        dataset = DATASETS.build(copy.deepcopy(dataset_cfg))
    num_ids = getattr(dataset, 'metainfo', {}).get('num_ids')
    if num_ids is None:
        raise ValueError(
            f'the training set {type(dataset).__name__} has no '
            "metainfo['num_ids'], so model.num_classes cannot be read from "
            'the data: set model.num_classes in the config.')
    print_log(f'model.num_classes = {num_ids}: the identities of the '
              f'training set ({dataset.metainfo.get("dataset_name")})',
              logger='current')
    return int(num_ids)
