"""ReIDRunner: mmengine's Runner that reads what a config leaves to the data.

A re-ID config does not state how many identities the training set has, nor
a batch size that repeats the identity sampler's P x K: both follow from
other settings, and a copy of them is a second place to forget. Before
mmengine builds the model and the dataloaders, :meth:`ReIDRunner.from_cfg`
fills in

- ``model.num_classes`` from the training split (``metainfo['num_ids']``),
  or, for a run that only tests a checkpoint (no ``train_cfg``), from the
  checkpoint (:func:`mmreid_dranet.engine.num_classes.resolve_num_classes`);
- ``train_dataloader.batch_size`` as the sampler's ``num_ids x
  ins_per_id``.

Configs name it with ``runner_type = 'mmreid_dranet.ReIDRunner'`` (in
``_base_/default_runtime.py``), so ``tools/train.py``, ``mim train`` and any
script that builds the runner the OpenMMLab way (``RUNNERS.build(cfg)``, or
``ReIDRunner.from_cfg(cfg)``) get the same config. mmengine's plain
``Runner.from_cfg`` knows nothing of this; a model built by it without a
count fails with a message that says what to do.
"""
import copy
import logging
import os.path as osp
from typing import Optional

from mmengine.config import Config
from mmengine.dist import master_only
from mmengine.fileio import LocalBackend, get_file_backend
from mmengine.logging import print_log
from mmengine.runner import Runner

from mmreid_dranet.registry import RUNNERS
from mmreid_dranet.utils.checkpoint import (PARTIAL_SUFFIX, atomic_write,
                                            checkpoint_reading)
from mmreid_dranet.utils.config import DATALOADER_KEYS
from mmreid_dranet.utils.console import VERBOSE_KEY, quiet_console
from .config_check import check_config_keys
from .num_classes import resolve_num_classes


@RUNNERS.register_module()
class ReIDRunner(Runner):
    """mmengine's Runner, built from a config completed by
    :func:`complete_reid_config` (identity count, batch size), that reads
    and writes checkpoints safely.

    - Every load (``load_from``, ``resume``: both reach
      :meth:`load_checkpoint`) runs inside
      :func:`mmreid_dranet.utils.checkpoint_reading`: a torn file is refused
      by name, and torch's safe unpickler accepts mmengine's logging state
      during that load only.
    - Every save into a local folder is atomic
      (:func:`mmreid_dranet.utils.checkpoint.atomic_write`), whatever local
      file backend the CheckpointHook's ``backend_args`` choose: mmengine
      writes ``<name>.part``, which is fsynced and renamed over ``<name>``.
      No file backend is registered with mmengine for it.
    - Its console shows progress, metrics, warnings and errors; the
      start-up reports (config, environment, hook table) go to the work
      dir's log file only, unless ``verbose_console=True``.
    """

    @classmethod
    def from_cfg(cls, cfg) -> 'ReIDRunner':
        """Complete the config, then build the runner as mmengine does.

        Args:
            cfg (Config | dict): The config.

        Returns:
            ReIDRunner: The runner.
        """
        check_config_keys(cfg)
        cfg = complete_reid_config(copy.deepcopy(cfg))
        return super().from_cfg(cfg)

    def build_logger(self, log_level='INFO', log_file=None, **kwargs):
        """mmengine's logger, whose console leaves the start-up reports
        (environment, config, hook table, parameter groups) to the log file
        (:func:`mmreid_dranet.utils.console.quiet_console`) unless the
        config says ``verbose_console=True`` (the tools' ``--verbose``)."""
        logger = super().build_logger(log_level, log_file, **kwargs)
        if not self.cfg.get(VERBOSE_KEY, False):
            quiet_console(logger)
        return logger

    @master_only
    def save_checkpoint(self, out_dir, filename, file_client_args=None,
                        *args, backend_args=None, **kwargs):
        """mmengine's save, all-or-nothing when it goes to a local file (a
        run killed mid-write leaves the previous file or none, never a torn
        one). Remote storage (``s3://`` ...) is written as mmengine does.
        Rank 0 saves alone (as in mmengine), so the rename never races."""
        if file_client_args is not None or not isinstance(
                get_file_backend(out_dir, backend_args=backend_args),
                LocalBackend):
            return super().save_checkpoint(
                out_dir, filename, file_client_args, *args,
                backend_args=backend_args, **kwargs)
        with atomic_write(osp.join(out_dir, filename)):
            super().save_checkpoint(out_dir, filename + PARTIAL_SUFFIX,
                                    None, *args, backend_args=backend_args,
                                    **kwargs)

    def load_checkpoint(self, filename, *args, **kwargs):
        """mmengine's load (``load_from`` and ``resume`` both come here)
        inside :func:`mmreid_dranet.utils.checkpoint_reading`."""
        with checkpoint_reading(filename):
            return super().load_checkpoint(filename, *args, **kwargs)


def complete_reid_config(cfg: Config) -> Config:
    """Fill ``model.num_classes`` and ``train_dataloader.batch_size`` where
    the config leaves them out (see the module docstring).

    Args:
        cfg (Config): The config, changed in place.

    Returns:
        Config: The same config.
    """
    fill_batch_size(cfg)
    warn_unused_data_root(cfg)
    if cfg.model.get('type') in ('ReIDModel', 'mmreid_dranet.ReIDModel') \
            and cfg.model.get('num_classes') is None:
        num_classes = resolve_num_classes(cfg)
        if num_classes is not None:
            cfg.model.num_classes = num_classes
    return cfg


def fill_batch_size(cfg: Config) -> None:
    """``train_dataloader.batch_size = num_ids x ins_per_id`` of its
    identity sampler, when the config gives no batch size.

    A batch size given as well is kept: ``SamplerBatchCheckHook`` stops the
    run at start-up if it differs, naming the keys.
    """
    loader = cfg.get('train_dataloader')
    if not loader or loader.get('batch_size') is not None:
        return
    sampler = loader.get('sampler') or {}
    if 'num_ids' in sampler and 'ins_per_id' in sampler:
        loader.batch_size = sampler['num_ids'] * sampler['ins_per_id']


def warn_unused_data_root(cfg: Config) -> Optional[str]:
    """Say so when a top-level ``data_root`` reaches no dataset.

    mmengine substitutes a base config's variables when it loads the base,
    so a child config that only says ``data_root = 'my/data'`` changes no
    dataset: the run would silently read the base's folder.

    Returns:
        str | None: The warning logged, if any.
    """
    data_root = cfg.get('data_root')
    if not isinstance(data_root, str):
        return None
    roots = {loader.dataset.get('data_root')
             for key in DATALOADER_KEYS
             for loader in [cfg.get(key)]
             if loader and isinstance(loader.get('dataset'), dict)}
    if not roots or data_root in roots:
        return None
    message = (
        f"the config's top-level data_root={data_root!r} is used by no "
        f'dataset (they read {sorted(map(str, roots))}): a base '
        "config's variables are fixed when the base is loaded. Pass "
        '--data-root, or set <split>_dataloader.dataset.data_root.')
    print_log(message, logger='current', level=logging.WARNING)
    return message
