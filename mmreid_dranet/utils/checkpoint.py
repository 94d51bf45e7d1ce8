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
import pickle

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


def load_checkpoint_safely(filename, map_location='cpu'):
    """Load ``filename`` with torch's safe unpickler, never anything else.

    Raises:
        pickle.UnpicklingError: naming the file, when it holds objects that
            are not plain tensors, containers or mmengine's logging state.
    """
    allow_mmengine_checkpoint_globals()
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    except pickle.UnpicklingError as error:
        raise pickle.UnpicklingError(
            f'Refused to load checkpoint {filename!r}: it holds objects that '
            f'are not safe to unpickle ({error}). Only load checkpoints you '
            'trust, and convert them to plain state dicts first.') from error
