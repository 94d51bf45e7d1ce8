"""The rules every ranking of this package shares, each defined once.

- The protocol's junk: a gallery entry of the query's own identity seen by
  the query's own camera is left out of the query's ranking; a true match
  is the same identity seen by another camera.
- The sort key: a non-negative float32 distance and a gallery index packed
  into one int64 whose integer order is that of a stable sort by distance
  (the bit patterns of non-negative floats are ordered like the floats;
  equal distances go in gallery order).
- The default block size of every blocked computation (evaluation,
  re-ranking, gallery search): it bounds the memory whatever the gallery.
- The keys of the two npz files: the embeddings of a query/gallery split
  (``tools/test.py --out``) and a saved :class:`ReIDGallery`.

Used by the evaluation (:mod:`.ranking`, :mod:`.reid_evaluation`), the
exact search (:mod:`.search`), ``ReIDGallery``, the faiss backend and the
ranked-list pictures, so that all of them rank alike.
"""
from typing import Optional, Tuple

import torch

# Elements of one block of distances (queries x gallery entries) or of
# temporaries: a few hundred MB whatever the gallery size.
DEFAULT_BLOCK_ELEMENTS = 1 << 24

# Bits of a non-negative float32 pattern (the sign bit is dropped).
FLOAT_BITS = 31

# The two sides of a split and the arrays each side has in the npz of
# ``tools/test.py --out`` (``<side>_<field>``).
SIDES = ('query', 'gallery')
SIDE_FIELDS = ('feats', 'pids', 'camids', 'paths', 'names')
FEATURE_FILE_KEYS = tuple(f'{side}_{field}' for field in SIDE_FIELDS
                          for side in SIDES)
# Keys that files written before the identity names existed lack; they
# are read as '' for every sample.
OPTIONAL_TEXT_KEYS = ('query_names', 'gallery_names')
# Keys of a saved gallery: the gallery side of the file above plus the
# metric, so that a gallery loads from either file.
GALLERY_FILE_KEYS = tuple(f'gallery_{field}'
                          for field in SIDE_FIELDS) + ('metric', )


def is_junk(query_pids, query_camids, gallery_pids, gallery_camids):
    """Whether each pair is junk: same person id AND same camera.

    Works on tensors and arrays, element-wise with broadcasting (e.g.
    ``query_pids[:, None]`` against ``gallery_pids[None]`` for a Q x G
    mask).

    Returns:
        Tensor | ndarray: bool, the broadcast shape of the inputs.
    """
    return (query_pids == gallery_pids) & (query_camids == gallery_camids)


def is_true_match(query_pids, query_camids, gallery_pids, gallery_camids):
    """Whether each pair is a true match: same person id, another camera.

    Broadcasts like :func:`is_junk`.
    """
    return (query_pids == gallery_pids) & (query_camids != gallery_camids)


def index_bits(num_gallery: int) -> int:
    """Bits that hold any gallery index below ``num_gallery`` (at least 1).
    """
    return max(1, (num_gallery - 1).bit_length())


def distance_keys(dist: torch.Tensor,
                  index: torch.Tensor,
                  col_bits: int,
                  rows: Optional[torch.Tensor] = None) -> torch.Tensor:
    """int64 keys ordered like ``(row, distance, gallery index)``.

    Args:
        dist (Tensor): float32 distances, all >= 0 (no NaN), any shape.
        index (Tensor): int64 gallery index of each distance (broadcast to
            ``dist``'s shape).
        col_bits (int): :func:`index_bits` of the gallery.
        rows (Tensor, optional): int64 row of each distance, put above the
            distance so that keys of different rows never interleave.

    Returns:
        Tensor: int64 keys, the shape of ``dist``.
    """
    # The sign bit is dropped so that -0.0 and +0.0 give the same key.
    keys = dist.contiguous().view(torch.int32).to(torch.int64)
    keys.bitwise_and_(0x7FFFFFFF).bitwise_left_shift_(col_bits)
    keys.bitwise_or_(index)
    if rows is not None:
        keys.bitwise_or_(rows << (FLOAT_BITS + col_bits))
    return keys


def decode_distance_keys(keys: torch.Tensor, col_bits: int
                         ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Gallery indices (int64) and distances (float32) of row-less keys
    made by :func:`distance_keys`."""
    indices = keys & ((1 << col_bits) - 1)
    distances = (keys >> col_bits).to(torch.int32).view(torch.float32)
    return indices, distances.clone()
