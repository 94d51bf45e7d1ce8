"""Checkpoint files: read safely, write atomically, find, and count.

The one home of everything this package does with checkpoint files:

- **Safe reading.** mmengine 0.10.7 calls ``torch.load`` without
  ``weights_only``; torch >= 2.6 then unpickles with its safe loader, which
  refuses the few non-tensor objects an mmengine checkpoint holds (the
  message hub's ``HistoryBuffer`` and the numpy arrays and scalars inside
  it), so ``--resume`` and ``load_from`` fail. :func:`checkpoint_reading`
  allow-lists exactly those objects with
  ``torch.serialization.safe_globals`` for the duration of one load, and
  removes them afterwards: torch's process-wide allow-list is never changed
  for longer than that. The one dangerous global such a file names,
  ``builtins.getattr`` (``HistoryBuffer`` pickles its statistics methods as
  ``getattr(HistoryBuffer, 'mean')``), is served by a stand-in that answers
  only that question.
- **The completeness check.** A file whose write was cut short is refused
  by name (:class:`IncompleteCheckpointError`) before torch's zip reader
  fails on it; :func:`checkpoint_reading` applies it to every local load.
- **Atomic writing.** :func:`atomic_write` gives the ``.part`` name to
  write to and renames the finished, fsynced file over the final name, so a
  run killed mid-write never leaves a torn file under a checkpoint's name.
  :class:`mmreid_dranet.engine.ReIDRunner` saves through it; no file
  backend is registered with mmengine.
- **The resume lookup** (:func:`find_resume_checkpoint`) and the run-over
  check (:func:`finished_run_message`).
- **The identity count** of a checkpoint
  (:func:`num_classes_from_checkpoint`).

This module imports only torch, numpy and mmengine, so that every other
part of the package can use it.
"""
import contextlib
import os
import os.path as osp
import pickle
import re
import zipfile
from typing import Iterator, Optional, Union

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer

PARTIAL_SUFFIX = '.part'

# --- Safe reading -------------------------------------------------------


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


def mmengine_checkpoint_globals() -> list:
    """The objects an mmengine checkpoint holds besides tensors.

    Returns:
        list: Entries for ``torch.serialization.safe_globals``.
    """
    return [HistoryBuffer, (_history_buffer_getattr, 'builtins.getattr')
            ] + _numpy_globals()


@contextlib.contextmanager
def checkpoint_reading(filename=None) -> Iterator[None]:
    """Let ``torch.load`` read mmengine checkpoints inside the block.

    Inside: torch's safe unpickler also accepts
    :func:`mmengine_checkpoint_globals`. On exit exactly the entries that
    were added are removed again (one the caller had allowed before stays
    allowed). Wrap mmengine's own loads in it, e.g. a plain mmengine
    ``Runner``::

        with checkpoint_reading():
            runner.train()   # resume / load_from read the checkpoint

    Args:
        filename (str, optional): The file about to be read. A local path
            (not a URL such as ``https://`` or ``torchvision://``) is
            checked first with :func:`check_checkpoint_complete`.

    Raises:
        FileNotFoundError: naming a local ``filename`` that does not exist.
        IncompleteCheckpointError: naming ``filename`` when its write was
            cut short.
    """
    if isinstance(filename, (str, os.PathLike)) and \
            '://' not in str(filename):
        check_checkpoint_complete(filename)
    present = set(torch.serialization.get_safe_globals())
    missing = [entry for entry in mmengine_checkpoint_globals()
               if entry not in present]
    with torch.serialization.safe_globals(missing):
        yield


def load_checkpoint_safely(filename, map_location='cpu', mmap=False):
    """Load ``filename`` with torch's safe unpickler, never anything else.

    Args:
        filename (str): A checkpoint file.
        map_location: As for ``torch.load``.
        mmap (bool): Map the tensors instead of reading them (cheap when
            only the ``meta`` of a large checkpoint is needed).

    Returns:
        dict: The checkpoint.

    Raises:
        FileNotFoundError: naming the file when it does not exist.
        pickle.UnpicklingError: naming the file, when it holds objects that
            are not plain tensors, containers or mmengine's logging state.
        IncompleteCheckpointError: naming the file, when its write was cut
            short (rather than torch's zip-reader error).
    """
    with checkpoint_reading(filename):
        try:
            return torch.load(filename, map_location=map_location,
                              weights_only=True, mmap=mmap)
        except pickle.UnpicklingError as error:
            raise pickle.UnpicklingError(
                f'Refused to load checkpoint {filename!r}: it holds objects '
                f'that are not safe to unpickle ({error}). Only load '
                'checkpoints you trust, and convert them to plain state '
                'dicts first.') from error


# --- Torn files ---------------------------------------------------------

_ZIP_MAGIC = b'PK\x03\x04'
_NUMBERED_CHECKPOINT = re.compile(r'^(?:epoch|iter)_(\d+)\.pth$')


class IncompleteCheckpointError(ValueError):
    """A checkpoint file that ends early (its write was interrupted)."""


def check_checkpoint_complete(filename) -> None:
    """Refuse a checkpoint file that is missing or whose write did not
    finish.

    ``torch.save`` writes a zip archive whose central directory comes last:
    a file cut short anywhere lacks it. Files in torch's legacy (non-zip)
    format are left to ``torch.load`` to judge.

    Args:
        filename (str): A local file.

    Raises:
        FileNotFoundError: naming the file when it does not exist.
        IncompleteCheckpointError: naming the file and its size.
    """
    if not osp.isfile(filename):
        raise FileNotFoundError(f'Checkpoint not found: {filename!r}')
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


def is_checkpoint_complete(filename) -> bool:
    """``True`` when :func:`check_checkpoint_complete` accepts the file."""
    try:
        check_checkpoint_complete(filename)
    except (IncompleteCheckpointError, OSError):
        return False
    return True


# --- Atomic writing -----------------------------------------------------


def _fsync_path(path: str) -> None:
    """Flush a file's (or a folder's entries') bytes to the disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def atomic_write(filepath: str) -> Iterator[str]:
    """Write ``filepath`` all-or-nothing.

    The block writes to the name it is given, ``<filepath>.part``; when the
    block ends normally that file is fsynced and renamed over ``filepath``
    (``os.replace`` is atomic on POSIX file systems), and the rename itself
    is fsynced. A kill or an exception inside the block leaves
    ``filepath`` as it was and at most a stale ``.part`` file, which no
    loader picks up and the next write of the same name replaces.

    Args:
        filepath (str): The final local file name.

    Yields:
        str: The name to write to.
    """
    filepath = str(filepath)
    partial = filepath + PARTIAL_SUFFIX
    yield partial
    _fsync_path(partial)
    os.replace(partial, filepath)
    _fsync_path(osp.dirname(osp.abspath(filepath)))


# --- Resuming -----------------------------------------------------------


def find_resume_checkpoint(work_dir: str) -> Optional[str]:
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
    if named is not None and is_checkpoint_complete(named):
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


def finished_run_message(checkpoint: str, train_cfg: dict) -> Optional[str]:
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


# --- Identity count -----------------------------------------------------

# State-dict keys whose first dimension is the identity count, in the order
# they are tried (DRANeck's SIC class maps, then BN + linear classifiers).
_CLASSIFIER_KEY_ENDINGS = ('identity_conv.weight', 'classifier.fc.weight',
                           'fc.weight')


def num_classes_from_checkpoint(checkpoint: Union[str, dict]
                                ) -> Optional[int]:
    """The identity count a checkpoint was trained with.

    Read from the training set's metainfo that mmengine stores in every
    checkpoint (``meta.dataset_meta.num_ids``); for a bare state dict, from
    the first classifier weight found (its number of rows).

    Args:
        checkpoint (str | dict): A checkpoint file (loaded with
            :func:`load_checkpoint_safely`) or an already loaded checkpoint.

    Returns:
        int | None: The count, or None when the checkpoint does not tell.
    """
    if isinstance(checkpoint, (str, os.PathLike)):
        checkpoint = load_checkpoint_safely(
            checkpoint, mmap=zipfile.is_zipfile(checkpoint))
    meta = checkpoint.get('meta') or {}
    num_ids = (meta.get('dataset_meta') or {}).get('num_ids')
    if num_ids is not None:
        return int(num_ids)
    state_dict = checkpoint.get('state_dict', checkpoint)
    for ending in _CLASSIFIER_KEY_ENDINGS:
        for key, value in state_dict.items():
            if key.endswith(ending) and hasattr(value, 'shape'):
                return int(value.shape[0])
    return None
