"""Config preparation shared by ``tools/train.py`` and ``tools/test.py``.

Only mmengine and torch are imported here (no domain package): the
runner is found through the registry (:func:`build_runner`).
"""
import os
import os.path as osp

import torch
import torch.distributed as torch_dist
from mmengine.config import Config

from .checkpoint import check_checkpoint_complete
from .console import VERBOSE_KEY
from .mim import mim_configs

DATALOADER_KEYS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def load_config(path, cfg_options=None):
    """Load a config file, failing with one clear message if it is missing.

    The way to read a config of this package (or one whose ``_base_``
    names ``'mmreid_dranet::...'``): mmengine's ``Config.fromfile`` is
    called inside :func:`mmreid_dranet.utils.mim.mim_configs`, which lets it
    resolve ``mmreid_dranet::`` for the duration of the read only.

    Args:
        path (str): The config file.
        cfg_options (dict, optional): ``--cfg-options`` overrides.

    Returns:
        Config: The merged config.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'Config file not found: {path!r} '
                                f'(looked in {osp.abspath(path)!r}).')
    with mim_configs():
        cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def _leaf_datasets(dataset_cfg):
    """Yield the real datasets of a dataset config, following wrappers
    (``ConcatDataset.datasets``, ``RepeatDataset.dataset`` ...)."""
    if not isinstance(dataset_cfg, dict):
        return
    inner = dataset_cfg.get('dataset')
    children = dataset_cfg.get('datasets')
    if isinstance(inner, dict):
        yield from _leaf_datasets(inner)
    elif children:
        for child in children:
            yield from _leaf_datasets(child)
    else:
        yield dataset_cfg


def set_data_root(cfg, data_root):
    """Point every dataset of the config at ``data_root``.

    The same role as torchreid's ``--root``: a user keeps the config and only
    says where the data lives. Wrapper datasets (concat, repeat) are followed
    to the real datasets, and each of those gets ``data_root``. A config
    that reads several kinds of data (joint training, cross-domain testing)
    is refused: one folder cannot hold them all.

    Args:
        cfg (Config): The config, changed in place.
        data_root (str): An existing folder.

    Returns:
        int: How many datasets were changed.
    """
    if not osp.isdir(data_root):
        raise FileNotFoundError(
            f'--data-root {data_root!r} does not exist or is not a folder '
            f'(resolved to {osp.abspath(data_root)!r}).')
    leaves = [(key, dataset) for key in DATALOADER_KEYS if cfg.get(key)
              for dataset in _leaf_datasets(cfg[key].get('dataset'))]
    kinds = sorted({str(dataset.get('type')) for _, dataset in leaves})
    if len(kinds) > 1:
        raise ValueError(
            f'--data-root would point every dataset of the config at '
            f'{data_root!r}, but it reads {len(kinds)} data sets '
            f'({", ".join(kinds)}): give each folder with --cfg-options '
            "(e.g. train_dataloader.dataset.data_root=..., or the data_root "
            'of each entry of train_dataloader.dataset.datasets).')
    for _, dataset in leaves:
        dataset['data_root'] = data_root
    changed = len(leaves)
    if 'data_root' in cfg:
        cfg.data_root = data_root
    return changed


def configure_device(cfg, launcher):
    """Make a distributed run work on a machine without CUDA.

    On CPU we start the gloo process group ourselves (mmengine's pytorch
    launcher calls ``torch.cuda.set_device``, which fails without a GPU) and
    wrap the model in DDP without ``device_ids`` (mmengine passes
    ``[LOCAL_RANK]``, which DDP rejects for a CPU module). With CUDA the
    config is left as written.

    Args:
        cfg (Config): The config, changed in place.
        launcher (str): 'none', 'pytorch', 'slurm' or 'mpi'.
    """
    if torch.cuda.is_available():
        return
    env_cfg = cfg.setdefault('env_cfg', {})
    env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    env_cfg['cudnn_benchmark'] = False
    if launcher == 'none':
        return
    cfg.model_wrapper_cfg = dict(
        type='MMDistributedDataParallel', device_ids=None,
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    if launcher == 'pytorch' and not torch_dist.is_initialized():
        torch_dist.init_process_group(
            backend='gloo', rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']))


def set_work_dir(cfg, config_path, work_dir=None):
    """``work_dir`` from the command line, else the config's, else
    ``./work_dirs/<config name>`` as in every OpenMMLab tool."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config_path))[0])


def build_runner(cfg):
    """Build the Runner named by ``runner_type`` or mmengine's default.

    The runner class is looked up in the registry (which imports
    ``mmreid_dranet.engine`` on demand), so this module needs no domain
    package.
    """
    if 'runner_type' in cfg:
        from mmreid_dranet.registry import RUNNERS
        return RUNNERS.build(cfg)
    from mmengine.runner import Runner
    return Runner.from_cfg(cfg)


def add_common_arguments(parser):
    """The options ``tools/train.py`` and ``tools/test.py`` share."""
    from mmengine.config import DictAction
    parser.add_argument(
        '--data-root', help='point every dataset of the config at this '
        'folder (no need to edit the config)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. train_cfg.max_epochs=30')
    parser.add_argument(
        '--verbose', action='store_true',
        help='print everything on the console: the environment, the full '
        'config, the hook table, known harmless warnings, and the '
        'traceback of an error (by default they go to the log file only)')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        help='job launcher')
    # torch.distributed.launch passes --local_rank; torchrun sets LOCAL_RANK.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def apply_common_arguments(cfg, args):
    """Apply the shared options (``--data-root``, ``--launcher``,
    ``--verbose``), adapt the config to the device, and refuse a missing or
    torn local ``load_from`` before anything is built.

    Raises:
        FileNotFoundError: when a local ``load_from`` does not exist.
        IncompleteCheckpointError: when its write was cut short.
    """
    load_from = cfg.get('load_from')
    if isinstance(load_from, str) and '://' not in load_from:
        check_checkpoint_complete(load_from)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    if args.data_root is not None:
        set_data_root(cfg, args.data_root)
    cfg.launcher = args.launcher
    if getattr(args, 'verbose', False):
        cfg[VERBOSE_KEY] = True
    configure_device(cfg, args.launcher)
    return cfg
