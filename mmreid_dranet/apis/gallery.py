"""A searchable gallery of embeddings: build, save, load, search, draw."""
import os
import os.path as osp
from typing import List, NamedTuple, Optional, Sequence, Union

import numpy as np
import torch

from mmreid_dranet.evaluation.functional.distance import check_metric
from mmreid_dranet.evaluation.functional.inputs import (as_label_tensor,
                                                        check_same_length)
from mmreid_dranet.evaluation.functional.retrieval import (
    DEFAULT_BLOCK_ELEMENTS, FEATURE_FILE_KEYS, GALLERY_FILE_KEYS)
from mmreid_dranet.evaluation.functional.search import (GalleryBlocks,
                                                        exact_topk,
                                                        junk_exclusion)
from mmreid_dranet.utils.provenance import (PROVENANCE_FILE_KEY,
                                            EmbeddingProvenance)
from .gallery_storage import STORAGE_DTYPES, as_queries, stored_embeddings
from .inputs import is_integer_name
from .search_threshold import distance_limit, limit_results

BACKENDS = ('exact', 'faiss')


class SearchResult(NamedTuple):
    """The ranked gallery entries of each query (best first).

    Attributes:
        indices (ndarray): Q x k int64 gallery indices; -1 pads a row whose
            other entries were excluded or beyond the distance limit.
        distances (ndarray): Q x k float32 distances (inf where padded).
        paths (list[list[str]]): The gallery paths of each row (padding
            left out).
        matched (ndarray): Q bools: whether the query has any result left;
            False is the answer "no match" (see :attr:`no_match`).
        limit (str): The distance limit applied, e.g. ``'FPR 1e-3'``; ''
            for none.
    """
    indices: np.ndarray
    distances: np.ndarray
    paths: List[List[str]]
    matched: Optional[np.ndarray] = None
    limit: str = ''

    @property
    def no_match(self) -> np.ndarray:
        """Q bools: the queries answered "no match" (no gallery entry
        within the limit)."""
        if self.matched is None:
            return ~(self.indices >= 0).any(axis=1)
        return ~self.matched


class ReIDGallery:
    """Gallery embeddings with their image paths and optional identities.

    ``search`` ranks exactly as :func:`mmreid_dranet.evaluation.
    evaluate_reid` does: the same distance (``metric``), ascending, equal
    distances in gallery order; given the queries' person and camera ids, a
    labelled gallery also leaves out each query's same-identity
    same-camera entries, as the protocol does.

    Args:
        embeddings (ndarray | Tensor): G x D embeddings (finite).
        paths (Sequence[str], optional): G image files ('' when unknown).
        pids (array, optional): G person ids; None for an unlabelled
            gallery (ranked-list frames are then neutral).
        camids (array, optional): G camera ids (only with ``pids``; None
            when unknown, e.g. a folder of identity folders: such a
            gallery draws and searches, but cannot leave out a query's
            same-camera entries).
        names (Sequence[str], optional): G identity names (with ``pids``).
            Drawn under the images and matched by :meth:`pid_of`.
        metric (str): ``'euclidean'`` (squared) or ``'cosine'``.
        dtype (str): Storage, ``'float32'`` or ``'float16'`` (half the
            memory; blocks are searched in float32; see the README for its
            effect on the ranking).
        backend (str): ``'exact'`` (blocked torch search, the reference)
            or ``'faiss'`` (:class:`FaissSearcher`).
        faiss_index (str): ``faiss.index_factory`` description for the
            faiss backend. Defaults to ``'Flat'`` (exact).
        block_elements (int): Memory bound of the exact search's blocks.
        device (str | torch.device): Where the exact backend keeps the
            embeddings and computes (e.g. 'cuda'). Defaults to 'cpu'.
        provenance (EmbeddingProvenance, optional): The model that made
            the embeddings (saved and loaded with the gallery); a search
            with a calibrated threshold of another model is refused.
    """

    def __init__(self,
                 embeddings,
                 paths: Optional[Sequence[str]] = None,
                 pids=None,
                 camids=None,
                 names: Optional[Sequence[str]] = None,
                 metric: str = 'euclidean',
                 dtype: str = 'float32',
                 backend: str = 'exact',
                 faiss_index: str = 'Flat',
                 block_elements: int = DEFAULT_BLOCK_ELEMENTS,
                 device: Union[str, torch.device] = 'cpu',
                 provenance: Optional[EmbeddingProvenance] = None):
        self.metric = check_metric(metric)
        if dtype not in STORAGE_DTYPES:
            raise ValueError(f'dtype must be one of {tuple(STORAGE_DTYPES)}, '
                             f'got {dtype!r}')
        if backend not in BACKENDS:
            raise ValueError(f'backend must be one of {BACKENDS}, got '
                             f'{backend!r}')
        if backend == 'faiss' and torch.device(device).type != 'cpu':
            raise ValueError("backend='faiss' searches on the CPU here; use "
                             f"the exact backend for device={device!r}")
        self.embeddings = stored_embeddings(embeddings, dtype).to(device)
        self.provenance = provenance
        num = len(self.embeddings)
        if num == 0:
            raise ValueError('the gallery is empty')
        self.paths = np.asarray([''] * num if paths is None else paths,
                                dtype=np.str_)
        if pids is None and (camids is not None or names is not None):
            raise ValueError('camids and names describe identities: give '
                             'the pids too')
        self.pids = None if pids is None else as_label_tensor(
            pids, 'pids').to(device)
        self.camids = None if camids is None else as_label_tensor(
            camids, 'camids').to(device)
        self.names = None if names is None else np.asarray(names,
                                                           dtype=np.str_)
        named = [('embeddings', self.embeddings), ('paths', self.paths)]
        named += [(k, v) for k, v in (('pids', self.pids), (
            'camids', self.camids), ('names', self.names)) if v is not None]
        check_same_length(*named)
        self.dtype, self.backend = dtype, backend
        self.block_elements = block_elements
        self._faiss = None
        self._blocks = None  # GalleryBlocks, built at the first search
        if backend == 'faiss':
            from .faiss_backend import FaissSearcher
            self._faiss = FaissSearcher(self.embeddings.float().numpy(),
                                        metric, faiss_index)

    def __len__(self) -> int:
        return len(self.embeddings)

    @property
    def dim(self) -> int:
        """Embedding dimension D."""
        return self.embeddings.shape[1]

    @property
    def is_labelled(self) -> bool:
        """Whether the gallery has person ids."""
        return self.pids is not None

    def pid_of(self, identity: Union[int, str]) -> Optional[int]:
        """The person id of an identity of this gallery.

        Args:
            identity (int | str): A name of the gallery (``'alice'``,
                ``'0001'``), or a person id (an int or an integer string)
                when the gallery's identities are numbers (no names, or
                integer names): the pids of word names are only positions.

        Returns:
            int | None: Its pid, or None when the gallery holds no entry of
            it (then no entry matches it), or is unlabelled.
        """
        if not self.is_labelled:
            return None
        text = str(identity)
        if self.names is not None:
            hits = np.flatnonzero(self.names == text)
            if len(hits):
                return int(self.pids[hits[0]])
            if not all(is_integer_name(name) for name in set(self.names)):
                return None
        if is_integer_name(text) and bool((self.pids == int(text)).any()):
            return int(text)
        return None

    def labels(self, indices: Sequence[int]) -> Optional[List[str]]:
        """The identity of entries as the pictures show it: the name when
        known, else ``pid N``; None for an unlabelled gallery."""
        if not self.is_labelled:
            return None
        from mmreid_dranet.visualization.ranked_list import identity_label
        return [identity_label(int(self.pids[i]), '' if self.names is None
                               else str(self.names[i])) for i in indices]

    def is_match(self, indices: Sequence[int],
                 identity: Union[int, str, None]) -> Optional[List[bool]]:
        """Whether entries are of ``identity`` (see :meth:`pid_of`): all
        False when the gallery does not hold it; None when the truth is
        unknown (no identity given, or an unlabelled gallery)."""
        if identity is None or not self.is_labelled:
            return None
        pid = self.pid_of(identity)
        return [pid is not None and int(self.pids[i]) == pid
                for i in indices]

    @classmethod
    def from_folder(cls, inferencer, folder: str, batch_size: int = 32,
                    skip_bad_files: bool = False, **kwargs) -> 'ReIDGallery':
        """Embed a folder's images with a :class:`ReIDInferencer`.

        A folder of identity folders (``gallery/alice/0001.jpg``) gives a
        labelled gallery: names from the folders, pids by
        :func:`~mmreid_dranet.apis.inputs.identity_pids`, camera ids
        unknown.

        Args:
            inferencer (ReIDInferencer): The model.
            folder (str): The image folder, flat or of identity folders
                (sorted files, a progress bar).
            batch_size (int): Images per forward pass.
            skip_bad_files (bool): Leave unreadable images out (named in a
                warning) instead of raising.
            **kwargs: ``metric``, ``dtype``, ``backend``... of the gallery.
        """
        from .inputs import identity_pids, list_image_folder
        listing = list_image_folder(folder)
        result = inferencer(listing.paths, batch_size=batch_size,
                            skip_bad_files=skip_bad_files, progress=True)
        kwargs.setdefault('provenance', inferencer.provenance)
        if not listing.is_labelled:
            return cls(result['embeddings'], result['paths'], **kwargs)
        identity_of = dict(zip(listing.paths, listing.identities))
        names = [identity_of[path] for path in result['paths']]
        return cls(result['embeddings'], result['paths'],
                   identity_pids(names), names=names, **kwargs)

    @classmethod
    def load(cls, path: str, side: str = 'gallery',
             **kwargs) -> 'ReIDGallery':
        """Load a saved gallery, or a side of a ``tools/test.py --out`` npz.

        Read without pickle. A ``tools/test.py`` file is checked by
        :func:`mmreid_dranet.evaluation.load_features`; its identities come
        with it, and its ``<side>_names`` when they are not all empty.

        Args:
            path (str): The npz file.
            side (str): ``'gallery'`` or ``'query'`` (test.py files only).
            **kwargs: Gallery options (``dtype``, ``backend``...); ``metric``
                and ``provenance`` default to the saved ones.
        """
        if side not in ('gallery', 'query'):
            raise ValueError(f"side must be 'gallery' or 'query', got "
                             f'{side!r}')
        if not osp.isfile(path):
            raise FileNotFoundError(f'gallery file not found: {path!r}')
        with np.load(path, allow_pickle=False) as data:
            files = set(data.files)
            if PROVENANCE_FILE_KEY in files:
                kwargs.setdefault('provenance', EmbeddingProvenance.from_json(
                    str(data[PROVENANCE_FILE_KEY]), path))
            if FEATURE_FILE_KEYS[0] in files:  # a tools/test.py --out file
                from mmreid_dranet.evaluation import load_features
                arrays = load_features(path)
                # '' for every entry: a data set with integer ids only.
                names = arrays.get(f'{side}_names')
                if names is not None and not any(names):
                    names = None
                return cls(arrays[f'{side}_feats'], arrays[f'{side}_paths'],
                           arrays[f'{side}_pids'], arrays[f'{side}_camids'],
                           names, **kwargs)
            if side != 'gallery' or 'gallery_feats' not in files:
                raise ValueError(
                    f'{path} is neither a saved gallery (keys '
                    f'{GALLERY_FILE_KEYS}) nor a tools/test.py --out file; '
                    f'it holds {sorted(files)}')
            arrays = {k: data[k] for k in GALLERY_FILE_KEYS if k in files}
        kwargs.setdefault('metric', str(arrays.get('metric', 'euclidean')))
        stored = str(arrays['gallery_feats'].dtype)
        kwargs.setdefault('dtype',
                          stored if stored in STORAGE_DTYPES else 'float32')
        return cls(arrays['gallery_feats'], arrays.get('gallery_paths'),
                   arrays.get('gallery_pids'), arrays.get('gallery_camids'),
                   arrays.get('gallery_names'), **kwargs)

    def save(self, path: str) -> str:
        """Save as npz (no pickle): ``gallery_feats`` (G x D, the storage
        dtype), ``gallery_paths``, ``metric`` and, when known,
        ``gallery_pids``, ``gallery_camids``, ``gallery_names``,
        ``provenance``.

        Returns:
            str: The file written (``.npz`` appended when missing).
        """
        if not path.endswith('.npz'):
            path += '.npz'
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        arrays = dict(gallery_feats=self.embeddings.cpu().numpy(),
                      gallery_paths=self.paths,
                      metric=np.asarray(self.metric))
        if self.is_labelled:
            arrays['gallery_pids'] = self.pids.cpu().numpy()
        if self.camids is not None:
            arrays['gallery_camids'] = self.camids.cpu().numpy()
        if self.names is not None:
            arrays['gallery_names'] = self.names
        if self.provenance is not None:
            arrays[PROVENANCE_FILE_KEY] = np.asarray(self.provenance.to_json())
        np.savez(path, **arrays)
        return path

    def search(self, queries, topk: int = 10, query_pids=None,
               query_camids=None, max_distance: Optional[float] = None,
               threshold=None) -> SearchResult:
        """Rank the gallery for each query.

        Args:
            queries (ndarray | Tensor): Q x D embeddings, or one D vector.
            topk (int): Entries per query.
            query_pids, query_camids (array, optional): Q ids; with a
                labelled gallery, each query's same-identity same-camera
                entries are left out (the evaluation protocol).
            max_distance (float, optional): Drop results farther than this.
            threshold (DistanceThreshold | str, optional): Or drop those
                beyond a calibrated threshold (or its file): of the
                gallery's metric and, when the gallery knows it, model.

        Returns:
            SearchResult: Indices, distances and paths, best first;
            ``matched`` False (``no_match``) for a query with no result
            within the limit.
        """
        if isinstance(topk, bool) or not isinstance(topk, int) or topk < 1:
            raise ValueError(f'topk must be a positive int, got {topk!r}')
        limit = distance_limit(max_distance, threshold, self.metric,
                               self.provenance)
        queries = as_queries(queries).to(self.embeddings.device)
        if queries.shape[1] != self.dim:
            raise ValueError(
                f'the queries have {queries.shape[1]} dimensions but the '
                f'gallery embeddings have {self.dim}: embed both with the '
                'same model')
        exclude = self._junk_mask(query_pids, query_camids, len(queries))
        if self._faiss is not None:
            indices, distances = self._faiss.search(queries.cpu().numpy(),
                                                    topk, exclude)
        else:
            if self._blocks is None:
                self._blocks = GalleryBlocks(self.embeddings, self.metric,
                                             self.block_elements)
            found = exact_topk(queries, self._blocks, topk, exclude,
                               self.block_elements)
            indices, distances = found.indices.cpu().numpy(), \
                found.distances.cpu().numpy()
        indices, distances, matched = limit_results(indices, distances,
                                                    limit)
        paths = [[str(self.paths[i]) for i in row if i >= 0]
                 for row in indices]
        return SearchResult(indices, distances, paths, matched,
                            limit.label if limit else '')

    def _junk_mask(self, query_pids, query_camids, num_query):
        if query_pids is None and query_camids is None:
            return None
        if query_pids is None or query_camids is None:
            raise ValueError('give both query_pids and query_camids')
        if not self.is_labelled or self.camids is None:
            raise ValueError('query ids were given but the gallery has no '
                             'pids/camids to compare them with')
        qp = as_label_tensor(np.atleast_1d(query_pids),
                             'query_pids').to(self.pids.device)
        qc = as_label_tensor(np.atleast_1d(query_camids),
                             'query_camids').to(self.pids.device)
        check_same_length(('queries', range(num_query)), ('query_pids', qp),
                          ('query_camids', qc))
        return junk_exclusion(qp, qc, self.pids, self.camids)

    def draw(self, query_image: Union[str, np.ndarray], result: SearchResult,
             row: int = 0, query_identity: Union[int, str, None] = None,
             title: str = '', layout=None) -> np.ndarray:
        """A ranked-list picture of one query's result.

        Frames are green/red when the gallery is labelled and the query's
        identity is given (all red when the gallery holds none of it),
        neutral grey otherwise. A labelled gallery's entries are captioned
        with their identity names (``pid N`` without names).

        Args:
            query_image (str | ndarray): The query's file or BGR image.
            result (SearchResult): From :meth:`search`.
            row (int): Which query of ``result``.
            query_identity (int | str, optional): The query's identity
                name or person id (see :meth:`pid_of`).
            title (str): Header text.
            layout (RankListLayout, optional): Geometry.

        Returns:
            ndarray: The picture, uint8 BGR.
        """
        from mmreid_dranet.visualization.ranked_list import (RankListLayout,
                                                             draw_ranked_list,
                                                             read_image)
        kept = result.indices[row] >= 0
        indices = result.indices[row][kept]
        missing = [i for i in indices if not self.paths[i]]
        if missing:
            raise ValueError(f'gallery entries {missing[:5]} have no image '
                             'path to draw')
        query = read_image(query_image) if isinstance(query_image,
                                                      str) else query_image
        return draw_ranked_list(
            query, [read_image(str(self.paths[i])) for i in indices],
            self.is_match(indices, query_identity),
            result.distances[row][kept].tolist(), title,
            layout or RankListLayout(), labels=self.labels(indices),
            query_label=None if query_identity is None else str(
                query_identity))
