"""The database's own search: the path for a gallery beyond memory.

When the gallery does not fit in the server's memory (a Milvus standalone
or cluster holding it), the service asks the database instead of
:class:`~mmreid_dranet.service.MemoryIndex`: the same filter
(:meth:`SearchFilter.milvus_expr`), the same distances (Milvus L2 is
squared, like ours; its COSINE similarity becomes ``1 - similarity``) and
the same :class:`Hit` results. On a FLAT index its top-k is the exact one
up to float rounding; other index types trade that for speed.
"""
from typing import List, Optional

import numpy as np

from .filters import SearchFilter
from .memory_index import Hit
from .store import Entry, GalleryStore

_FIELDS = ['camera', 'time', 'source', 'suffix']


class MilvusSearch:
    """Search a :class:`GalleryStore`'s collection in the database.

    Args:
        store (GalleryStore): The store (its client and collection).
    """

    def __init__(self, store: GalleryStore):
        self.store = store

    def search(self, queries, topk: int = 10,
               search_filter: Optional[SearchFilter] = None
               ) -> List[List[Hit]]:
        """The ``topk`` nearest entries of each query that pass the filter.

        Args:
            queries (ndarray | Tensor): Q x D (or one D) embeddings.
            topk (int): Entries per query.
            search_filter (SearchFilter, optional): Cameras and times.

        Returns:
            list[list[Hit]]: Per query, best first.
        """
        queries = np.asarray(queries, dtype=np.float32)
        if queries.ndim == 1:
            queries = queries[None]
        store = self.store
        if not store.client.has_collection(store.collection):
            return [[] for _ in range(len(queries))]
        expr = (search_filter or SearchFilter()).milvus_expr()
        results = store.client.search(
            store.collection, data=queries.tolist(), limit=int(topk),
            filter=expr, output_fields=_FIELDS)
        return [[self._hit(found) for found in row] for row in results]

    def _hit(self, found: dict) -> Hit:
        row = found['entity']
        entry = Entry(found['id'], int(row['camera']), float(row['time']),
                      row['source'], row['suffix'])
        distance = float(found['distance'])
        if self.store.metric == 'cosine':
            distance = max(0.0, 1.0 - distance)
        return Hit(entry, max(0.0, distance))
