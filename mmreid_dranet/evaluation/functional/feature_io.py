"""The npz file of embeddings that DumpReIDEmbeddings writes and the tools
read.

Keys of the file (``FEATURE_FILE_KEYS`` of :mod:`.retrieval`; Q queries,
G gallery samples, D dimensions), all plain arrays that load without
pickle:

- ``query_feats`` (Q x D float32), ``gallery_feats`` (G x D float32);
- ``query_pids``, ``gallery_pids`` (int64): integer person ids;
- ``query_camids``, ``gallery_camids`` (int64): camera ids;
- ``query_paths``, ``gallery_paths`` (unicode): image paths, '' if unknown;
- ``query_names``, ``gallery_names`` (unicode): the data set's own person
  names (``pid_name``), '' where the data set has integer ids only.

Files written before the names existed lack the two ``*_names`` keys;
:func:`load_features` fills them with ''. A file may also carry what the
embeddings depend on (``provenance``, JSON of
:class:`~mmreid_dranet.utils.provenance.EmbeddingProvenance`; read by
:func:`load_feature_provenance`).
"""
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np

from mmreid_dranet.utils.provenance import (PROVENANCE_FILE_KEY,
                                            EmbeddingProvenance)
from .inputs import check_same_length
from .retrieval import (FEATURE_FILE_KEYS, OPTIONAL_TEXT_KEYS, SIDE_FIELDS,
                        SIDES)


def save_features(path: str,
                  query_feats: np.ndarray,
                  gallery_feats: np.ndarray,
                  query_pids: np.ndarray,
                  gallery_pids: np.ndarray,
                  query_camids: np.ndarray,
                  gallery_camids: np.ndarray,
                  query_paths: Optional[Sequence[str]] = None,
                  gallery_paths: Optional[Sequence[str]] = None,
                  query_names: Optional[Sequence[str]] = None,
                  gallery_names: Optional[Sequence[str]] = None,
                  provenance: Optional[EmbeddingProvenance] = None) -> str:
    """Save a query/gallery split's embeddings and labels as an npz file.

    Paths and names are stored as unicode arrays, so the file loads
    without pickle (keys: see the module docstring).

    Args:
        path (str): Output file; ``.npz`` is appended when missing.
        query_feats, gallery_feats (ndarray): Q x D / G x D float32.
        query_pids, gallery_pids, query_camids, gallery_camids (ndarray):
            Integer labels.
        query_paths, gallery_paths (Sequence[str], optional): Image paths;
            empty strings when not given.
        query_names, gallery_names (Sequence[str], optional): Person names
            (``pid_name``); empty strings when not given.
        provenance (EmbeddingProvenance, optional): What the embeddings
            depend on (stored as JSON under ``provenance``).

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
        query_paths=_text(query_paths, len(query_pids)),
        gallery_paths=_text(gallery_paths, len(gallery_pids)),
        query_names=_text(query_names, len(query_pids)),
        gallery_names=_text(gallery_names, len(gallery_pids)))
    _check_consistent(arrays, path)
    if provenance is not None:
        arrays[PROVENANCE_FILE_KEY] = np.asarray(provenance.to_json())
    np.savez(path, **arrays)
    return path


def load_feature_provenance(path: str) -> Optional[EmbeddingProvenance]:
    """What the embeddings of a :func:`save_features` file depend on.

    Args:
        path (str): The npz file.

    Returns:
        EmbeddingProvenance | None: None for a file written without it.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'feature file not found: {path}')
    with np.load(path, allow_pickle=False) as data:
        if PROVENANCE_FILE_KEY not in data.files:
            return None
        text = str(data[PROVENANCE_FILE_KEY])
    return EmbeddingProvenance.from_json(text, path)


def load_features(path: str) -> Dict[str, np.ndarray]:
    """Load a file written by :func:`save_features`.

    Args:
        path (str): The npz file.

    Returns:
        dict[str, ndarray]: The arrays named in ``FEATURE_FILE_KEYS``
        (names '' when the file predates them).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'feature file not found: {path}')
    with np.load(path, allow_pickle=False) as data:
        missing = [
            k for k in FEATURE_FILE_KEYS
            if k not in data.files and k not in OPTIONAL_TEXT_KEYS
        ]
        if missing:
            raise ValueError(f'{path} lacks the arrays {missing}; expected '
                             f'the keys {FEATURE_FILE_KEYS}')
        arrays = {k: data[k] for k in FEATURE_FILE_KEYS if k in data.files}
    for key in OPTIONAL_TEXT_KEYS:
        if key not in arrays:
            side = key.split('_')[0]
            arrays[key] = _text(None, len(arrays[f'{side}_pids']))
    _check_consistent(arrays, path)
    return arrays


def _check_consistent(arrays: Dict[str, np.ndarray], path: str) -> None:
    try:
        for side in SIDES:
            check_same_length(*((f'{side}_{k}', arrays[f'{side}_{k}'])
                                for k in SIDE_FIELDS))
    except ValueError as error:
        raise ValueError(f'{path}: {error}') from None


def _text(values: Optional[Sequence[str]], length: int) -> np.ndarray:
    """A unicode array of ``values``, or of ``length`` empty strings."""
    return np.asarray([''] * length if values is None else list(values),
                      dtype=np.str_)
