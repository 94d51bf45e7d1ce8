"""Conversion and validation of the arrays given to the re-ID evaluation."""
import dataclasses
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch

ArrayLike = Union[np.ndarray, torch.Tensor, Sequence]


def as_feature_tensor(array: ArrayLike, name: str) -> torch.Tensor:
    """Return ``array`` as a finite 2-D float32 tensor.

    A float32 tensor or array is returned as is (no copy), so that large
    feature sets cost no extra memory; other float dtypes (e.g. float16)
    cost one row-major float32 copy, 4 bytes per entry.

    Args:
        array (ndarray | Tensor): N x D features.
        name (str): Name of the array, used in error messages.

    Returns:
        Tensor: N x D float32 features, on the device of a given tensor.
    """
    tensor = array if isinstance(array, torch.Tensor) else torch.as_tensor(
        np.asarray(array))
    if tensor.dim() != 2:
        raise ValueError(f'{name} must be a 2-D array (N x D), got shape '
                         f'{tuple(tensor.shape)}')
    if not tensor.is_floating_point():
        raise ValueError(f'{name} must hold floating point features, got '
                         f'{tensor.dtype}')
    tensor = tensor.detach()
    # A row sum is finite iff every entry is (or the values are so large
    # that distances would overflow): one cheap pass instead of a mask.
    # Summed in float32: a float16 row can sum past float16's range.
    if not all(
            bool(torch.isfinite(rows.sum(dim=1, dtype=torch.float32)).all())
            for rows in row_blocks(tensor)):
        num_nan = sum(int(torch.isnan(rows).sum())
                      for rows in row_blocks(tensor))
        num_inf = sum(int(torch.isinf(rows).sum())
                      for rows in row_blocks(tensor))
        if num_nan or num_inf:
            raise ValueError(f'{name} contains {num_nan} NaN and {num_inf} '
                             f'inf values (of {tensor.numel()} entries); '
                             'the features must be finite')
        raise ValueError(f'{name} has values too large to sum in float32 '
                         f'(max |x| {float(tensor.abs().max()):.3g}); '
                         'rescale the features')
    if tensor.dtype != torch.float32:
        # Straight to row-major: the products would copy a strided one.
        tensor = tensor.to(torch.float32,
                           memory_format=torch.contiguous_format)
    return tensor


def row_blocks(tensor: torch.Tensor, block_elements: int = 1 << 22):
    """Yield row blocks of ``tensor`` of about ``block_elements`` entries.

    Element-wise passes over large feature sets go block by block, so that
    their temporaries stay small.
    """
    rows = max(1, block_elements // max(tensor[0].numel(), 1)) if len(
        tensor) else 1
    for start in range(0, len(tensor), rows):
        yield tensor[start:start + rows]


def squared_norms(features: torch.Tensor) -> torch.Tensor:
    """Row-wise squared L2 norms, computed block by block.

    The squares of a block go to one buffer reused by every block and the
    sums straight into the result. Allocating a fresh block of squares
    each time, with each block's small sum kept alive in between, made
    glibc's malloc carve every sum out of the block just freed, so the next
    block no longer fit there and the heap grew by a block per block: a
    gallery's worth of memory for a G x D gallery (issue 18).

    Args:
        features (Tensor): N x D features.

    Returns:
        Tensor: N squared norms.
    """
    norms = features.new_empty(len(features))
    squares = None
    start = 0
    for rows in row_blocks(features):
        end = start + len(rows)
        if squares is None:
            squares = torch.empty(rows.shape, dtype=rows.dtype,
                                  device=rows.device)
        torch.pow(rows, 2, out=squares[:len(rows)])
        torch.sum(squares[:len(rows)], dim=1, out=norms[start:end])
        start = end
    return norms


def as_label_tensor(array: ArrayLike, name: str) -> torch.Tensor:
    """Return ``array`` as a 1-D int64 tensor of person or camera ids.

    Args:
        array (ndarray | Tensor | Sequence[int]): N integer labels.
        name (str): Name of the array, used in error messages.

    Returns:
        Tensor: N int64 labels.
    """
    tensor = array if isinstance(array, torch.Tensor) else torch.as_tensor(
        np.asarray(array))
    if tensor.dim() != 1:
        raise ValueError(f'{name} must be a 1-D array, got shape '
                         f'{tuple(tensor.shape)}')
    if tensor.is_floating_point() or tensor.is_complex():
        if tensor.numel() and not bool((tensor == tensor.round()).all()):
            raise ValueError(f'{name} must hold integer ids, got non-integer '
                             f'values of dtype {tensor.dtype}')
    return tensor.detach().long()


def check_same_length(*named_arrays: Tuple[str, object]) -> int:
    """Check that arrays describing the same samples have the same length.

    Args:
        *named_arrays (tuple[str, object]): ``(name, array)`` pairs.

    Returns:
        int: The common length.
    """
    lengths = {name: len(array) for name, array in named_arrays}
    if len(set(lengths.values())) > 1:
        described = ', '.join(f'{name} has {length}'
                              for name, length in lengths.items())
        raise ValueError(f'arrays of the same samples differ in length: '
                         f'{described}')
    return next(iter(lengths.values()))


def options_from_cfg(options_cls, cfg: Optional[dict], cfg_name: str):
    """A frozen options dataclass from a config dict, with an error naming
    any unknown key (e.g. ``ReIDMetric``'s ``rerank_cfg``).

    Args:
        options_cls (type): The dataclass.
        cfg (dict, optional): Its fields; None for the defaults.
        cfg_name (str): Name of the dict in error messages.
    """
    cfg = dict(cfg or {})
    known = [f.name for f in dataclasses.fields(options_cls)]
    unknown = sorted(set(cfg) - set(known))
    if unknown:
        raise ValueError(f'{cfg_name} has unknown keys {unknown}; expected '
                         f'some of {known}')
    return options_cls(**cfg)
