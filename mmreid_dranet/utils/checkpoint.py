"""Let ``torch.load(weights_only=True)`` read mmengine's own checkpoints.

mmengine 0.10.7 calls ``torch.load`` without ``weights_only``; torch >= 2.6
then unpickles with its safe loader, which refuses the few non-tensor objects
an mmengine checkpoint holds (the message hub's ``HistoryBuffer`` and the numpy
arrays and scalars inside it), so ``--resume`` and ``load_from`` fail.

We allow-list exactly those objects. The one dangerous global such a file
names, ``builtins.getattr`` (HistoryBuffer pickles its statistics methods as
``getattr(HistoryBuffer, 'mean')``), is served by a restricted stand-in that
answers only that question. Everything else still goes through torch's safe
unpickler, so a checkpoint carrying any other callable is refused.
"""
import os
import os.path as osp
import pickle
import re
import zipfile

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer


def _history_buffer_getattr(obj, name):
    """``getattr`` limited to the public methods of ``HistoryBuffer``."""
    if obj is HistoryBuffer and not name.startswith('_') and callable(
            getattr(HistoryBuffer, name, None)):
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'Refused getattr({obj!r}, {name!r}) while loading a checkpoint: '
        'only methods of mmengine.logging.HistoryBuffer are allowed.')


def _numpy_globals():
    """numpy functions that rebuild arrays and scalars, under their 2.x and
    1.x module paths (checkpoints written with numpy 1.x say
    ``numpy.core.multiarray``)."""
    multiarray = np._core.multiarray
    entries = [np.ndarray, np.dtype]
    for module in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        entries.append((multiarray._reconstruct, f'{module}._reconstruct'))
        entries.append((multiarray.scalar, f'{module}.scalar'))
    # dtype classes such as numpy.dtypes.Float64DType appear in some pickles.
    for dtype_name in ('Float64DType', 'Float32DType', 'Int64DType',
                       'Int32DType', 'BoolDType'):
        entries.append(getattr(np.dtypes, dtype_name))
    return entries


def allow_mmengine_checkpoint_globals():
    """Register the objects of an mmengine checkpoint as safe to unpickle.

    Idempotent; called when :mod:`mmreid_dranet` is imported.
    """
    torch.serialization.add_safe_globals(
        [HistoryBuffer, (_history_buffer_getattr, 'builtins.getattr')] +
        _numpy_globals())


def load_checkpoint_safely(filename, map_location='cpu', mmap=False):
    """Load ``filename`` with torch's safe unpickler, never anything else.

    Args:
        filename (str): A checkpoint file.
        map_location: As for ``torch.load``.
        mmap (bool): Map the tensors instead of reading them (cheap when
            only the ``meta`` of a large checkpoint is needed).

    Raises:
        pickle.UnpicklingError: naming the file, when it holds objects that
            are not plain tensors, containers or mmengine's logging state.
        IncompleteCheckpointError: naming the file, when its write was cut
            short (rather than torch's zip-reader error).
    """
    allow_mmengine_checkpoint_globals()
    if isinstance(filename, (str, os.PathLike)) and osp.isfile(filename):
        check_checkpoint_complete(filename)
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True, mmap=mmap)
    except pickle.UnpicklingError as error:
        raise pickle.UnpicklingError(
            f'Refused to load checkpoint {filename!r}: it holds objects that '
            f'are not safe to unpickle ({error}). Only load checkpoints you '
            'trust, and convert them to plain state dicts first.') from error


# --- Torn files ---------------------------------------------------------

_ZIP_MAGIC = b'PK\x03\x04'
_NUMBERED_CHECKPOINT = re.compile(r'^(?:epoch|iter)_(\d+)\.pth$')


class IncompleteCheckpointError(ValueError):
    """A checkpoint file that ends early (its write was interrupted)."""


def check_checkpoint_complete(filename):
    """Refuse a checkpoint file whose write did not finish.

    ``torch.save`` writes a zip archive whose central directory comes last:
    a file cut short anywhere lacks it. Files in torch's legacy (non-zip)
    format are left to ``torch.load`` to judge.

    Args:
        filename (str): An existing local file.

    Raises:
        IncompleteCheckpointError: naming the file and its size.
    """
    size = osp.getsize(filename)
    with open(filename, 'rb') as file:
        head = file.read(len(_ZIP_MAGIC))
    if size >= len(_ZIP_MAGIC) and head != _ZIP_MAGIC:
        return
    try:
        with zipfile.ZipFile(filename) as archive:
            archive.infolist()
        return
    except zipfile.BadZipFile as error:
        reason = error
    raise IncompleteCheckpointError(
        f'Checkpoint {filename!r} is incomplete: it ends after {size} bytes '
        f'without the end of its zip archive ({reason}). Its write was '
        'probably interrupted (the run was killed while saving). Use an '
        'earlier checkpoint, or `--resume` without a path to pick the '
        'newest complete one.')


def is_checkpoint_complete(filename):
    """``True`` when :func:`check_checkpoint_complete` accepts the file."""
    try:
        check_checkpoint_complete(filename)
    except (IncompleteCheckpointError, OSError):
        return False
    return True


def find_resume_checkpoint(work_dir):
    """The newest complete checkpoint of a run, for ``--resume``.

    mmengine's ``last_checkpoint`` file names the checkpoint written last;
    it is used when that file exists and is complete. Otherwise (a run
    killed while writing the pointer or the checkpoint, or a run of older
    code that wrote checkpoints in place) the complete ``epoch_N.pth`` /
    ``iter_N.pth`` with the highest N in the same folder is used.

    Args:
        work_dir (str): The run's work dir.

    Returns:
        str | None: A checkpoint path, or None when the run never saved one.

    Raises:
        IncompleteCheckpointError: when checkpoints exist but none of them
            is complete.
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    named = None
    if osp.isfile(pointer):
        with open(pointer) as file:
            named = file.read().strip() or None
    if named is not None and osp.isfile(named) and is_checkpoint_complete(
            named):
        return named
    folder = osp.dirname(named) if named else work_dir
    numbered = []
    if osp.isdir(folder):
        for name in os.listdir(folder):
            match = _NUMBERED_CHECKPOINT.match(name)
            if match:
                numbered.append((int(match.group(1)), osp.join(folder, name)))
    for _, path in sorted(numbered, reverse=True):
        if is_checkpoint_complete(path):
            return path
    if named is None and not numbered:
        return None
    raise IncompleteCheckpointError(
        f'No complete checkpoint to resume in {folder!r}: last_checkpoint '
        f'names {named!r} and none of {sorted(p for _, p in numbered)} is '
        'complete.')


def finished_run_message(checkpoint, train_cfg):
    """Say so when ``checkpoint`` already ends the training of
    ``train_cfg`` (resuming it would train nothing).

    Args:
        checkpoint (str): A complete checkpoint file.
        train_cfg (dict): The config's ``train_cfg`` (``max_epochs`` for
            epoch-based loops, ``max_iters`` for iteration-based ones).

    Returns:
        str | None: The message, or None when there is training left.
    """
    # Memory-map the tensors (zip format only): only `meta` is read.
    meta = load_checkpoint_safely(
        checkpoint, mmap=zipfile.is_zipfile(checkpoint)).get('meta', {})
    by_epoch = train_cfg.get('by_epoch', 'max_epochs' in train_cfg)
    unit, key = ('epoch', 'max_epochs') if by_epoch else ('iter', 'max_iters')
    done, total = meta.get(unit), train_cfg.get(key)
    if done is None or total is None or done < total:
        return None
    return (f'Training already finished: {checkpoint!r} was saved after '
            f'{unit} {done} and train_cfg.{key} is {total}, so there is '
            f'nothing to resume. Raise train_cfg.{key} (e.g. --cfg-options '
            f'train_cfg.{key}=...) to train longer.')
