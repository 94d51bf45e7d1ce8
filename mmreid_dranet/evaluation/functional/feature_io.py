"""The npz file of embeddings that ReIDMetric dumps and the tools read."""
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np

from .inputs import check_same_length

FEATURE_FILE_KEYS = ('query_feats', 'gallery_feats', 'query_pids',
                     'gallery_pids', 'query_camids', 'gallery_camids',
                     'query_paths', 'gallery_paths')


def save_features(path: str,
                  query_feats: np.ndarray,
                  gallery_feats: np.ndarray,
                  query_pids: np.ndarray,
                  gallery_pids: np.ndarray,
                  query_camids: np.ndarray,
                  gallery_camids: np.ndarray,
                  query_paths: Optional[Sequence[str]] = None,
                  gallery_paths: Optional[Sequence[str]] = None) -> str:
    """Save a query/gallery split's embeddings and labels as an npz file.

    Paths are stored as unicode arrays, so the file loads without pickle.

    Args:
        path (str): Output file; ``.npz`` is appended when missing.
        query_feats, gallery_feats (ndarray): Q x D / G x D float32.
        query_pids, gallery_pids, query_camids, gallery_camids (ndarray):
            Integer labels.
        query_paths, gallery_paths (Sequence[str], optional): Image paths;
            empty strings when not given.

    Returns:
        str: The path written.
    """
    if not path.endswith('.npz'):
        path += '.npz'
    arrays = dict(
        query_feats=np.asarray(query_feats, dtype=np.float32),
        gallery_feats=np.asarray(gallery_feats, dtype=np.float32),
        query_pids=np.asarray(query_pids, dtype=np.int64),
        gallery_pids=np.asarray(gallery_pids, dtype=np.int64),
        query_camids=np.asarray(query_camids, dtype=np.int64),
        gallery_camids=np.asarray(gallery_camids, dtype=np.int64),
        query_paths=np.asarray(
            [''] * len(query_pids) if query_paths is None else query_paths,
            dtype=np.str_),
        gallery_paths=np.asarray(
            [''] * len(gallery_pids) if gallery_paths is None else
            gallery_paths, dtype=np.str_))
    _check_consistent(arrays, path)
    np.savez(path, **arrays)
    return path


def load_features(path: str) -> Dict[str, np.ndarray]:
    """Load a file written by :func:`save_features`.

    Args:
        path (str): The npz file.

    Returns:
        dict[str, ndarray]: The arrays named in ``FEATURE_FILE_KEYS``.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'feature file not found: {path}')
    with np.load(path, allow_pickle=False) as data:
        missing = [k for k in FEATURE_FILE_KEYS if k not in data.files]
        if missing:
            raise ValueError(f'{path} lacks the arrays {missing}; expected '
                             f'the keys {FEATURE_FILE_KEYS}')
        arrays = {k: data[k] for k in FEATURE_FILE_KEYS}
    _check_consistent(arrays, path)
    return arrays


def _check_consistent(arrays: Dict[str, np.ndarray], path: str) -> None:
    try:
        for side in ('query', 'gallery'):
            check_same_length(*((f'{side}_{k}', arrays[f'{side}_{k}'])
                                for k in ('feats', 'pids', 'camids', 'paths')))
    except ValueError as error:
        raise ValueError(f'{path}: {error}') from None
