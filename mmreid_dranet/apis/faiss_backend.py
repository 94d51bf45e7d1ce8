"""Gallery search with a faiss index (optional: ``pip install faiss-cpu``).

For galleries the exact search cannot hold, or to use faiss' compressed
and approximate indexes. The default index is exact (``'Flat'``) with the
evaluation's distances: squared L2 (``IndexFlatL2``) for ``'euclidean'``,
``1 - inner product`` of L2-normalised vectors for ``'cosine'``. faiss
computes them with its own kernels, so distances agree with the exact
search to float rounding, and entries whose distances tie (or differ by a
rounding error) may come in another order; the exact search is the
reference. Pairs left out of the ranking (the protocol's junk, see
:func:`mmreid_dranet.evaluation.junk_exclusion`) are over-fetched and
dropped, since faiss cannot mask pairs.
"""
from typing import Callable, Optional

import numpy as np

from mmreid_dranet.evaluation.functional.distance import check_metric


def import_faiss():
    """Import faiss, or raise an ImportError that says how to install it."""
    try:
        import faiss
    except ImportError as error:
        raise ImportError(
            "backend='faiss' needs faiss: pip install faiss-cpu (or "
            'faiss-gpu)') from error
    return faiss


class FaissSearcher:
    """A faiss index over a gallery.

    Args:
        gallery (ndarray): G x D embeddings (copied to float32 for faiss).
        metric (str): ``'euclidean'`` or ``'cosine'``.
        index_factory (str): A ``faiss.index_factory`` description, e.g.
            ``'Flat'`` (exact, default), ``'IVF4096,Flat'`` or
            ``'IVF4096,PQ64'`` (approximate; trained on the gallery).
    """

    def __init__(self, gallery: np.ndarray, metric: str = 'euclidean',
                 index_factory: str = 'Flat'):
        faiss = import_faiss()
        self.metric = check_metric(metric)
        vectors = self._prepare(gallery)
        faiss_metric = (faiss.METRIC_L2 if metric == 'euclidean' else
                        faiss.METRIC_INNER_PRODUCT)
        self.index = faiss.index_factory(vectors.shape[1], index_factory,
                                         faiss_metric)
        if not self.index.is_trained:
            self.index.train(vectors)
        self.index.add(vectors)

    def _prepare(self, vectors: np.ndarray) -> np.ndarray:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.metric == 'cosine':
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            if (norms == 0).any():
                raise ValueError(f'{int((norms == 0).sum())} features are '
                                 'all zeros: the cosine distance is '
                                 'undefined for them')
            vectors = vectors / norms
        return vectors

    def search(self, queries: np.ndarray, topk: int,
               exclude: Optional[Callable] = None):
        """Indices (Q x k int64, -1 pads) and distances (Q x k float32,
        inf pads) of the ``topk`` nearest entries, best first.

        Args:
            queries (ndarray): Q x D queries.
            topk (int): Entries per query (at most G).
            exclude (callable, optional): ``exclude(q0, q1, g0, g1)`` ->
                bool mask of pairs left out (as in :func:`exact_topk`).
        """
        num_gallery = self.index.ntotal
        junk = None if exclude is None else np.asarray(
            exclude(0, len(queries), 0, num_gallery).cpu())
        # Over-fetch by each query's number of left-out entries.
        extra = 0 if junk is None else int(junk.sum(axis=1).max())
        k = min(topk + extra, num_gallery)
        indices, distances = self._search(queries, k)
        if extra:
            drop = np.take_along_axis(junk, np.maximum(indices, 0), 1)
            drop &= indices >= 0
            order = np.argsort(drop, axis=1, kind='stable')
            indices = np.take_along_axis(indices, order, 1)
            distances = np.take_along_axis(distances, order, 1)
            dropped = np.take_along_axis(drop, order, 1)
            indices[dropped], distances[dropped] = -1, np.inf
        kept = min(topk, num_gallery)
        return indices[:, :kept], distances[:, :kept]

    def _search(self, queries: np.ndarray, topk: int):
        scores, indices = self.index.search(self._prepare(queries), topk)
        if self.metric == 'cosine':
            distances = 1 - scores
        else:
            distances = scores
        distances = np.maximum(distances, 0).astype(np.float32)
        distances[indices < 0] = np.inf
        return indices.astype(np.int64), distances
