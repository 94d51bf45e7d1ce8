"""The in-memory exact search over a store's vectors, kept in step with it.

Rows live in growable tensors (capacity doubles, so adding one entry does
not copy the gallery); a deletion moves the last row into the hole. The
search is the evaluation's blocked exact top-k
(:func:`~mmreid_dranet.evaluation.functional.search.exact_topk`, the
engine of :class:`~mmreid_dranet.apis.ReIDGallery`): the same distances
and, for the same rows in the same order, the same ranking. Camera and
time filters enter as its ``exclude`` mask, block by block, so a filtered
search still returns ``topk`` entries when that many pass the filter.
"""
from typing import Dict, List, NamedTuple, Optional, Sequence

import numpy as np
import torch

from mmreid_dranet.evaluation.functional.distance import check_metric
from mmreid_dranet.evaluation.functional.retrieval import \
    DEFAULT_BLOCK_ELEMENTS
from mmreid_dranet.evaluation.functional.search import (GalleryBlocks,
                                                        exact_topk)
from .filters import SearchFilter
from .store import Entry

_FIRST_CAPACITY = 1024


class Hit(NamedTuple):
    """One ranked gallery entry."""
    entry: Entry
    distance: float


class MemoryIndex:
    """Entries and their embeddings in memory, searched exactly.

    Args:
        metric (str): ``'euclidean'`` (squared) or ``'cosine'``.
        block_elements (int): Memory bound of the search's blocks.
    """

    def __init__(self, metric: str = 'euclidean',
                 block_elements: int = DEFAULT_BLOCK_ELEMENTS):
        self.metric = check_metric(metric)
        self.block_elements = block_elements
        self.entries: List[Entry] = []
        self._row: Dict[str, int] = {}
        self._vectors: Optional[torch.Tensor] = None
        self._cameras = torch.zeros(0, dtype=torch.int64)
        self._times = torch.zeros(0, dtype=torch.float64)
        self._blocks: Optional[GalleryBlocks] = None

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, entry_id: str) -> bool:
        return entry_id in self._row

    @property
    def embeddings(self) -> torch.Tensor:
        """N x D float32 rows, in search order (a view)."""
        if self._vectors is None:
            return torch.zeros(0, 0)
        return self._vectors[:len(self)]

    def get(self, entry_id: str) -> Optional[Entry]:
        """The entry of an id; None when absent."""
        row = self._row.get(entry_id)
        return None if row is None else self.entries[row]

    def vector(self, entry_id: str) -> torch.Tensor:
        """The embedding of an id (KeyError when absent)."""
        return self.embeddings[self._row[entry_id]].clone()

    def add(self, entries: Sequence[Entry], embeddings) -> None:
        """Append entries (ids already present are left as they are).

        Args:
            entries (Sequence[Entry]): N entries.
            embeddings (ndarray | Tensor): N x D float32.
        """
        vectors = torch.as_tensor(np.asarray(embeddings, dtype=np.float32))
        fresh = [i for i, e in enumerate(entries) if e.id not in self._row]
        if len(set(entries[i].id for i in fresh)) != len(fresh):
            raise ValueError('an id appears twice in one addition')
        if not fresh:
            return
        vectors = vectors[fresh]
        num, new = len(self), len(fresh)
        self._reserve(num + new, vectors.shape[1])
        self._vectors[num:num + new] = vectors
        self._cameras[num:num + new] = torch.tensor(
            [entries[i].camera for i in fresh], dtype=torch.int64)
        self._times[num:num + new] = torch.tensor(
            [entries[i].time for i in fresh], dtype=torch.float64)
        for offset, i in enumerate(fresh):
            self._row[entries[i].id] = num + offset
            self.entries.append(entries[i])
        self._blocks = None

    def remove(self, entry_ids: Sequence[str]) -> List[Entry]:
        """Remove entries (absent ids are ignored); the last row moves
        into each hole.

        Returns:
            list[Entry]: The entries removed.
        """
        removed = []
        for entry_id in entry_ids:
            row = self._row.pop(entry_id, None)
            if row is None:
                continue
            removed.append(self.entries[row])
            last = len(self.entries) - 1
            if row != last:
                moved = self.entries[last]
                self.entries[row] = moved
                self._row[moved.id] = row
                self._vectors[row] = self._vectors[last]
                self._cameras[row] = self._cameras[last]
                self._times[row] = self._times[last]
            self.entries.pop()
        if removed:
            self._blocks = None
        return removed

    def _reserve(self, rows: int, dim: int) -> None:
        if self._vectors is not None and self._vectors.shape[1] != dim:
            raise ValueError(f'the index holds {self._vectors.shape[1]}-d '
                             f'embeddings, got {dim}-d ones')
        capacity = 0 if self._vectors is None else len(self._vectors)
        if rows <= capacity:
            return
        capacity = max(_FIRST_CAPACITY, capacity)
        while capacity < rows:
            capacity *= 2
        grown = torch.zeros(capacity, dim)
        cameras = torch.zeros(capacity, dtype=torch.int64)
        times = torch.zeros(capacity, dtype=torch.float64)
        num = len(self)
        if num:
            grown[:num] = self._vectors[:num]
            cameras[:num] = self._cameras[:num]
            times[:num] = self._times[:num]
        self._vectors, self._cameras, self._times = grown, cameras, times

    def search(self, queries, topk: int = 10,
               search_filter: Optional[SearchFilter] = None
               ) -> List[List[Hit]]:
        """The ``topk`` nearest entries of each query that pass the filter.

        Args:
            queries (ndarray | Tensor): Q x D (or one D) embeddings.
            topk (int): Entries per query (fewer when fewer pass).
            search_filter (SearchFilter, optional): Cameras and times.

        Returns:
            list[list[Hit]]: Per query, best first.
        """
        queries = torch.as_tensor(np.asarray(queries, dtype=np.float32))
        if queries.dim() == 1:
            queries = queries[None]
        if not len(self):
            return [[] for _ in range(len(queries))]
        if queries.shape[1] != self.embeddings.shape[1]:
            raise ValueError(f'the queries have {queries.shape[1]} '
                             'dimensions but the gallery has '
                             f'{self.embeddings.shape[1]}')
        if self._blocks is None:
            self._blocks = GalleryBlocks(self.embeddings, self.metric,
                                         self.block_elements)
        excluded = (search_filter or SearchFilter()).excluded(
            self._cameras[:len(self)], self._times[:len(self)])
        found = exact_topk(queries, self._blocks, topk,
                           None if excluded is None else _rows_mask(excluded),
                           self.block_elements)
        return [[
            Hit(self.entries[i], float(d))
            for i, d in zip(row.tolist(), dist.tolist()) if i >= 0
        ] for row, dist in zip(found.indices, found.distances)]


def _rows_mask(excluded: torch.Tensor):
    """The ``exclude`` of :func:`exact_topk` for a mask of gallery rows:
    the same for every query."""

    def exclude(q0: int, q1: int, g0: int, g1: int) -> torch.Tensor:
        return excluded[None, g0:g1].expand(q1 - q0, -1)

    return exclude
