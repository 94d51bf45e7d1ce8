"""The search service without HTTP: a model, a durable store, a search.

:class:`SearchService` embeds uploaded images with a
:class:`~mmreid_dranet.apis.ReIDInferencer`, keeps them in a
:class:`~mmreid_dranet.service.GalleryStore` and answers searches with
the in-memory exact index (``search='memory'``, the default) or the
database's own search (``search='database'``, for galleries beyond
memory). ``mmreid_dranet.service.app`` puts HTTP in front of it.

One lock serialises the model and the store: an upload's images are
written, embedded (from the written files, with the test pipeline's own
loader, so a stored entry has exactly the embedding ``tools/test.py``
gives its file) and inserted before the next request touches either.
"""
import math
import os
import os.path as osp
import threading
import uuid
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmreid_dranet.apis.search_threshold import distance_limit
from mmreid_dranet.apis.test_pipeline import BadImageError
from .filters import UNKNOWN_CAMERA, SearchFilter, format_time
from .images import (BadImage, UnknownEntry, check_entry_id, check_image,
                     content_id)
from .memory_index import Hit, MemoryIndex
from .milvus_search import MilvusSearch
from .store import Entry, GalleryStore

SEARCH_BACKENDS = ('memory', 'database')
MAX_TOPK = 100


class UploadRejected(ValueError):
    """A request the service refuses; ``status`` is its HTTP status.

    Args:
        message (str): What is wrong and what to do (names the file).
        status (int): 413 (too large), 415 (not an image) or 422.
    """

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


class SearchService:
    """Add, delete, fetch and search the gallery of a store.

    Args:
        inferencer (ReIDInferencer): The model (its provenance must be the
            store's).
        store (GalleryStore): The durable gallery.
        threshold (DistanceThreshold, optional): The calibrated "same
            person" distance; checked against the model and the metric.
        search (str): ``'memory'`` (exact, in memory) or ``'database'``
            (the database's search, nothing held in memory but metadata).
        batch_size (int): Images per forward pass.
    """

    def __init__(self, inferencer, store: GalleryStore, threshold=None,
                 search: str = 'memory', batch_size: int = 32):
        if search not in SEARCH_BACKENDS:
            raise ValueError(f'search must be one of {SEARCH_BACKENDS}, got '
                             f'{search!r}')
        self.inferencer, self.store = inferencer, store
        self.provenance = inferencer.provenance
        store.check_model(self.provenance)
        # The gallery's rule (apis/search_threshold.py): the threshold
        # must be of this model and of the store's metric.
        self._limit = distance_limit(None, threshold, store.metric,
                                     self.provenance, 'the store')
        self.threshold = threshold
        self.search_backend = search
        self.batch_size = batch_size
        self._lock = threading.RLock()
        stored, self.reconciled = store.load(vectors=search == 'memory')
        self.entries: Dict[str, Entry] = {e.id: e for e in stored.entries}
        self.index = MemoryIndex(store.metric)
        if search == 'memory':
            self.index.add(stored.entries, stored.embeddings)
            self._engine = self.index
        else:
            self._engine = MilvusSearch(store)

    def __len__(self) -> int:
        return len(self.entries)

    # Writing ---------------------------------------------------------------
    def add_images(self, files: Sequence[Tuple[str, bytes]],
                   camera: Optional[int] = None, time: float = math.nan,
                   source: str = '') -> List[dict]:
        """Add uploaded images; the same image twice is one entry.

        Every file is checked before anything is written: one bad file
        refuses the whole upload (nothing stored).

        Args:
            files (Sequence[tuple[str, bytes]]): Client file names (only
                recorded as the source) and bytes.
            camera (int, optional): Their camera.
            time (float): Their time (seconds since the epoch; NaN =
                unknown).
            source (str): Free text; defaults to each file's name.

        Returns:
            list[dict]: Per file: ``id``, ``name``, ``added`` (False when
            the image was already there).

        Raises:
            UploadRejected: 415 naming a file that is not a decodable
                image.
        """
        checked = []
        for name, data in files:
            try:
                suffix = check_image(data, name)
            except BadImage as error:
                raise UploadRejected(f'{error}; nothing was stored',
                                     415) from None
            checked.append((name, content_id(data), suffix, data))
        camera = UNKNOWN_CAMERA if camera is None else int(camera)
        with self._lock:
            fresh: Dict[str, Tuple[Entry, bytes, str]] = {}
            for name, entry_id, suffix, data in checked:
                if entry_id not in self.entries and entry_id not in fresh:
                    entry = Entry(entry_id, camera, float(time), source or
                                  name, suffix)
                    fresh[entry_id] = (entry, data, name)
            self._write_and_insert(list(fresh.values()))
        return [dict(id=entry_id, name=name, added=entry_id in fresh)
                for name, entry_id, _, _ in checked]

    def _write_and_insert(self, fresh: List[Tuple[Entry, bytes, str]]):
        if not fresh:
            return
        paths = [self.store.write_image(e.id, e.suffix, data)
                 for e, data, _ in fresh]
        try:
            try:
                embedded = self.inferencer(paths, batch_size=self.batch_size)
            except BadImageError as error:
                names = [n for (_, _, n), p in zip(fresh, paths)
                         if p in str(error)] or ['an image']
                raise UploadRejected(
                    f'{names[0]!r} cannot be read by the model\'s image '
                    'loader; nothing was stored', 415) from None
            entries = [e for e, _, _ in fresh]
            self.store.insert(entries, embedded['embeddings'],
                              self.provenance)
        except BaseException:
            for entry, _, _ in fresh:
                self.store.remove_image(entry)
            raise
        if self.search_backend == 'memory':
            self.index.add(entries, embedded['embeddings'])
        self.entries.update((e.id, e) for e in entries)

    def delete(self, entry_id: str) -> dict:
        """Delete an entry (its row, then its image).

        Raises:
            KeyError: No such entry.
        """
        with self._lock:
            entry = self.entry(entry_id)
            self.store.delete([entry])
            self.index.remove([entry.id])
            del self.entries[entry.id]
        return self.describe(entry)

    # Reading ---------------------------------------------------------------
    def entry(self, entry_id: str) -> Entry:
        """The entry of an id (:class:`UnknownEntry`, a KeyError, naming
        it when absent)."""
        check_entry_id(entry_id)
        entry = self.entries.get(entry_id)
        if entry is None:
            raise UnknownEntry(f'no entry {entry_id!r} in the store')
        return entry

    def image_file(self, entry_id: str) -> Tuple[str, str]:
        """The image file of an entry and its suffix (KeyError when
        absent)."""
        entry = self.entry(entry_id)
        return self.store.image_path(entry.id, entry.suffix), entry.suffix

    @staticmethod
    def describe(entry: Entry) -> dict:
        """The JSON form of an entry."""
        return dict(
            id=entry.id,
            camera=None if entry.camera == UNKNOWN_CAMERA else entry.camera,
            time=None if math.isnan(entry.time) else entry.time,
            time_iso=format_time(entry.time), source=entry.source,
            image_url=f'/api/images/{entry.id}/file')

    def stats(self) -> dict:
        """Entries, model, metric, threshold, search engine."""
        return dict(
            entries=len(self), metric=self.store.metric, dim=self.store.dim,
            model=dict(self.provenance.to_dict(),
                       description=self.provenance.describe()),
            threshold=None if self._limit is None else
            self._limit._asdict(),
            search=self.search_backend, reconciled_at_start=self.reconciled)

    # Searching -------------------------------------------------------------
    def search_image(self, data: bytes, name: str, **kwargs) -> dict:
        """Search with an uploaded image (not added to the store).

        Args:
            data (bytes): The image.
            name (str): Its client name (for errors).
            **kwargs: ``topk``, ``search_filter``, ``max_distance`` of
                :meth:`search_vector`.
        """
        try:
            suffix = check_image(data, name)
        except BadImage as error:
            raise UploadRejected(str(error), 415) from None
        with self._lock:
            path = osp.join(self.store.incoming,
                            f'query-{uuid.uuid4().hex}.{suffix}')
            with open(path, 'wb') as f:
                f.write(data)
            try:
                vector = self.inferencer([path])['embeddings'][0]
            except BadImageError:
                raise UploadRejected(f'{name!r} cannot be read by the '
                                     "model's image loader", 415) from None
            finally:
                os.remove(path)
            result = self.search_vector(vector, **kwargs)
        result['query'] = dict(id=content_id(data), name=name)
        return result

    def search_id(self, entry_id: str, **kwargs) -> dict:
        """Search with the embedding of an entry of the store (KeyError
        when absent); the entry itself ranks first (distance 0 up to
        rounding)."""
        with self._lock:
            entry = self.entry(entry_id)
            if self.search_backend == 'memory':
                vector = self.index.vector(entry.id).numpy()
            else:
                vector = np.asarray(self.store.client.get(
                    self.store.collection, ids=[entry.id],
                    output_fields=['embedding'])[0]['embedding'], np.float32)
            result = self.search_vector(vector, **kwargs)
        result['query'] = self.describe(entry)
        return result

    def search_vector(self, vector, topk: int = 10,
                      search_filter: Optional[SearchFilter] = None,
                      max_distance: Optional[float] = None) -> dict:
        """Search with one embedding.

        Args:
            vector (ndarray): D embedding of this model.
            topk (int): Results (1 to ``MAX_TOPK``).
            search_filter (SearchFilter, optional): Cameras and times.
            max_distance (float, optional): "Same person" up to this
                distance for this search; defaults to the threshold file's.

        Returns:
            dict: ``results`` (best first: the entry, ``rank``,
            ``distance``, ``match``: within the threshold, None without
            one), ``threshold`` (``max_distance``, ``label``) or None,
            ``matches`` (results within it) and the ``filter``.
        """
        if isinstance(topk, bool) or not isinstance(topk, int) or not (
                1 <= topk <= MAX_TOPK):
            raise UploadRejected(f'topk must be an integer from 1 to '
                                 f'{MAX_TOPK}, got {topk!r}')
        limit = self._limit
        if max_distance is not None:
            if not math.isfinite(max_distance):
                raise UploadRejected('max_distance must be a finite '
                                     f'distance, got {max_distance!r}')
            try:
                limit = distance_limit(max_distance, None, self.store.metric,
                                       self.provenance)
            except ValueError as error:
                raise UploadRejected(str(error)) from None
        threshold = None if limit is None else limit._asdict()
        search_filter = search_filter or SearchFilter()
        with self._lock:
            hits: List[Hit] = self._engine.search(vector, topk,
                                                  search_filter)[0]
        results = []
        for rank, hit in enumerate(hits, 1):
            match = None if threshold is None else bool(
                hit.distance <= threshold['max_distance'])
            results.append(dict(self.describe(hit.entry), rank=rank,
                                distance=hit.distance, match=match))
        return dict(results=results, threshold=threshold,
                    matches=sum(bool(r['match']) for r in results),
                    filter=search_filter.to_dict())
