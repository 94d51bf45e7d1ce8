"""The durable gallery: a Milvus collection of entries, a folder of their
images (named by content hash), and a record of the model behind them.

Layout of a store folder::

    store.json        format, metric, dimension, the model's provenance
    milvus.db/        the Milvus Lite database (absent with a server uri)
    images/ab/ab12...ef.jpg   each entry's image, named by its id

Nothing lost, nothing half: an image file is written first (to
``images/.incoming``, then renamed into place), its row second;
a deletion removes the row first, the file second. A crash between the
two steps leaves at most an image without a row (never acknowledged),
which :meth:`GalleryStore.load` removes on the next start, together with
rows whose image is gone. Milvus Lite writes each insert to its
write-ahead log before returning, so an acknowledged insert survives a
killed process.
"""
import json
import os
import os.path as osp
import shutil
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from mmreid_dranet.evaluation.functional.distance import check_metric
from mmreid_dranet.utils.provenance import EmbeddingProvenance
from .images import SUFFIX_MEDIA_TYPES, check_entry_id

STORE_FORMAT = 'mmreid_dranet-gallery-store-v1'
RECORD_FILE = 'store.json'
DEFAULT_COLLECTION = 'reid_gallery'
MAX_SOURCE_CHARS = 512
# Milvus metric of each of our distances (Milvus L2 is squared, like ours;
# its COSINE is a similarity: our distance is 1 - it).
MILVUS_METRICS = {'euclidean': 'L2', 'cosine': 'COSINE'}
_INSERT_ROWS = 2000
_READ_ROWS = 4000


class StoreError(RuntimeError):
    """A store folder that cannot be used (the message says why)."""


@dataclass(frozen=True)
class Entry:
    """What the store keeps of one image besides its embedding.

    Args:
        id (str): SHA-256 of the image bytes (hex).
        camera (int): Camera id; -1 when unknown.
        time (float): Seconds since the epoch; NaN when unknown.
        source (str): Free text: file name, track id...
        suffix (str): The image file's suffix (its format).
    """
    id: str
    camera: int
    time: float
    source: str
    suffix: str


@dataclass
class StoredEntries:
    """Every entry of a store, read at start (rows in database order)."""
    entries: List[Entry]
    embeddings: np.ndarray  # N x D float32


class GalleryStore:
    """A gallery kept in Milvus (Lite by default) and an image folder.

    Args:
        folder (str): The store folder (created when missing).
        provenance (EmbeddingProvenance): The model whose embeddings the
            store holds or will hold; another model's is refused.
        metric (str): ``'euclidean'`` or ``'cosine'``; fixed at creation.
        uri (str, optional): A Milvus server (``http://host:19530``)
            instead of the embedded ``<folder>/milvus.db``.
        token (str): The server's token (``user:password``).
        collection (str): The collection's name.
    """

    def __init__(self, folder: str, provenance: EmbeddingProvenance,
                 metric: str = 'euclidean', uri: Optional[str] = None,
                 token: str = '', collection: str = DEFAULT_COLLECTION):
        from pymilvus import MilvusClient
        self.folder = osp.abspath(folder)
        self.images = osp.join(self.folder, 'images')
        self.incoming = osp.join(self.images, '.incoming')
        os.makedirs(self.incoming, exist_ok=True)
        self.record = self._open_record(provenance, check_metric(metric),
                                        collection)
        self.provenance = provenance
        self.metric = self.record['metric']
        self.collection = self.record['collection']
        self.is_embedded = uri is None
        self.uri = uri or osp.join(self.folder, 'milvus.db')
        try:
            self.client = MilvusClient(self.uri, token=token)
        except Exception as error:
            raise StoreError(f'cannot open the database of store '
                             f'{self.folder} at {self.uri} ({error}); is '
                             'another server using this store?') from error
        if self.client.has_collection(self.collection):
            self.client.load_collection(self.collection)

    @property
    def dim(self) -> Optional[int]:
        """Embedding dimension; None before the first entry."""
        return self.record['dim']

    def _open_record(self, provenance, metric, collection) -> dict:
        path = osp.join(self.folder, RECORD_FILE)
        if not osp.isfile(path):
            record = dict(format=STORE_FORMAT, metric=metric, dim=None,
                          collection=collection,
                          provenance=provenance.to_dict())
            _write_json(path, record)
            return record
        try:
            with open(path) as f:
                record = json.load(f)
        except (OSError, ValueError) as error:
            raise StoreError(f'{path} is not a store record ({error})'
                             ) from None
        if not isinstance(record, dict) or record.get(
                'format') != STORE_FORMAT:
            raise StoreError(f'{path} is not a store record (format '
                             f'{STORE_FORMAT!r} expected)')
        stored = EmbeddingProvenance.from_dict(record['provenance'], path)
        stored.check_same(provenance, f'the store {self.folder}',
                          'the model')
        if record['metric'] != metric:
            raise StoreError(f'the store {self.folder} ranks by '
                             f'{record["metric"]!r} distance, not '
                             f'{metric!r}: open it with metric='
                             f'{record["metric"]!r} or use a new folder')
        return record

    def check_model(self, provenance: EmbeddingProvenance,
                    what: str = 'the model') -> None:
        """Refuse vectors or queries of another model, naming both."""
        self.provenance.check_same(provenance, f'the store {self.folder}',
                                   what)

    # Images ----------------------------------------------------------------
    def image_path(self, entry_id: str, suffix: str) -> str:
        """Where the image of an entry lives (the id checked first)."""
        check_entry_id(entry_id)
        if suffix not in SUFFIX_MEDIA_TYPES:
            raise StoreError(f'entry {entry_id} has an unknown image suffix '
                             f'{suffix!r}')
        return osp.join(self.images, entry_id[:2], f'{entry_id}.{suffix}')

    def write_image(self, entry_id: str, suffix: str, data: bytes) -> str:
        """Write an image whole or not at all (to ``.incoming``, then
        renamed into place); an existing one is kept.

        Like Milvus Lite's log, the file is handed to the operating system
        but not forced to disk (no fsync): it survives a killed server, and
        a power cut is the operating system's (and file system's) matter.

        Returns:
            str: Its path.
        """
        path = self.image_path(entry_id, suffix)
        if osp.isfile(path):
            return path
        os.makedirs(osp.dirname(path), exist_ok=True)
        partial = osp.join(self.incoming, f'{entry_id}.{os.getpid()}')
        with open(partial, 'wb') as f:
            f.write(data)
        os.replace(partial, path)
        return path

    def remove_image(self, entry: Entry) -> None:
        """Delete an entry's image file (no error when absent)."""
        path = self.image_path(entry.id, entry.suffix)
        if osp.isfile(path):
            os.remove(path)

    # Rows ------------------------------------------------------------------
    def insert(self, entries: Sequence[Entry], embeddings: np.ndarray,
               provenance: EmbeddingProvenance) -> None:
        """Add rows whose images were written (:meth:`write_image`).

        Args:
            entries (Sequence[Entry]): N entries (new ids).
            embeddings (ndarray): N x D float32.
            provenance (EmbeddingProvenance): The model of the embeddings.
        """
        self.check_model(provenance, 'these embeddings')
        embeddings = np.asarray(embeddings, dtype=np.float32)
        if embeddings.ndim != 2 or len(embeddings) != len(entries):
            raise ValueError(f'{len(entries)} entries need as many rows of '
                             f'embeddings, got shape {embeddings.shape}')
        if not entries:
            return
        self._ensure_collection(embeddings.shape[1])
        for start in range(0, len(entries), _INSERT_ROWS):
            rows = [
                dict(id=e.id, embedding=v.tolist(), camera=int(e.camera),
                     time=float(e.time), source=e.source[:MAX_SOURCE_CHARS],
                     suffix=e.suffix)
                for e, v in zip(entries[start:start + _INSERT_ROWS],
                                embeddings[start:start + _INSERT_ROWS])
            ]
            self.client.insert(self.collection, rows)

    def delete(self, entries: Sequence[Entry]) -> None:
        """Delete rows, then their image files."""
        if not entries:
            return
        self.client.delete(self.collection, ids=[e.id for e in entries])
        for entry in entries:
            self.remove_image(entry)

    def _ensure_collection(self, dim: int) -> None:
        if self.dim is not None:
            if dim != self.dim:
                raise ValueError(f'the store {self.folder} holds {self.dim}'
                                 f'-d embeddings, got {dim}-d ones')
            if self.client.has_collection(self.collection):
                return
        from pymilvus import DataType
        schema = self.client.create_schema(auto_id=False,
                                           enable_dynamic_field=False)
        schema.add_field('id', DataType.VARCHAR, is_primary=True,
                         max_length=64)
        schema.add_field('embedding', DataType.FLOAT_VECTOR, dim=int(dim))
        schema.add_field('camera', DataType.INT64)
        schema.add_field('time', DataType.DOUBLE)
        schema.add_field('source', DataType.VARCHAR,
                         max_length=MAX_SOURCE_CHARS * 4)
        schema.add_field('suffix', DataType.VARCHAR, max_length=8)
        index = self.client.prepare_index_params()
        index.add_index('embedding', index_type='FLAT',
                        metric_type=MILVUS_METRICS[self.metric])
        self.client.create_collection(self.collection, schema=schema,
                                      index_params=index)
        self.client.load_collection(self.collection)
        if self.dim is None:
            self.record['dim'] = int(dim)
            _write_json(osp.join(self.folder, RECORD_FILE), self.record)

    def _read_rows(self, vectors: bool) -> Iterable[dict]:
        if not self.client.has_collection(self.collection):
            return
        fields = ['id', 'camera', 'time', 'source', 'suffix']
        if vectors:
            fields.append('embedding')
        if self.is_embedded:
            # Milvus Lite answers one query for every row several times
            # faster than its query iterator.
            yield from self.client.query(self.collection, filter='',
                                         output_fields=fields,
                                         limit=max(1, self.count()))
            return
        # A server caps one query's rows: read in pages.
        iterator = self.client.query_iterator(
            self.collection, batch_size=_READ_ROWS, filter='',
            output_fields=fields)
        try:
            while True:
                rows = iterator.next()
                if not rows:
                    break
                yield from rows
        finally:
            iterator.close()

    def load(self, vectors: bool = True
             ) -> Tuple[StoredEntries, Dict[str, int]]:
        """Reconcile rows with image files, then read every entry.

        Removes rows whose image file is missing, image files without a
        row (an upload interrupted before its row was written) and
        half-written files.

        Args:
            vectors (bool): Read the embeddings too (else N x 0).

        Returns:
            tuple: The entries and what was removed (counts under
            ``rows_without_image``, ``images_without_row``,
            ``partial_files``).
        """
        entries, rows, orphans = [], [], []
        for row in self._read_rows(vectors):
            entry = Entry(row['id'], int(row['camera']), float(row['time']),
                          row['source'], row['suffix'])
            if osp.isfile(self.image_path(entry.id, entry.suffix)):
                entries.append(entry)
                if vectors:
                    rows.append(row['embedding'])
            else:
                orphans.append(entry)
        if orphans:
            self.client.delete(self.collection, ids=[e.id for e in orphans])
        known = {f'{e.id}.{e.suffix}' for e in entries}
        stray = 0
        for name in os.listdir(self.images):
            folder = osp.join(self.images, name)
            if name == '.incoming' or not osp.isdir(folder):
                continue
            for file in os.listdir(folder):
                if file not in known:
                    os.remove(osp.join(folder, file))
                    stray += 1
        partial = len(os.listdir(self.incoming))
        shutil.rmtree(self.incoming)
        os.makedirs(self.incoming)
        dim = (self.dim or 0) if vectors else 0
        embeddings = np.asarray(rows, dtype=np.float32).reshape(
            len(entries) if vectors else 0, dim)
        return StoredEntries(entries, embeddings), dict(
            rows_without_image=len(orphans), images_without_row=stray,
            partial_files=partial)

    def count(self) -> int:
        """Rows in the database."""
        if not self.client.has_collection(self.collection):
            return 0
        result = self.client.query(self.collection, filter='',
                                   output_fields=['count(*)'])
        return int(result[0]['count(*)'])

    def close(self) -> None:
        """Flush and close the database (releases Milvus Lite's folder
        lock). Flushing turns the write-ahead log into indexed segments,
        which the next start reads faster; nothing is lost without it.
        Closing twice does nothing."""
        if self.client is None:
            return
        if self.client.has_collection(self.collection):
            self.client.flush(self.collection)
        self.client.close()
        self.client = None


def _write_json(path: str, data: dict) -> None:
    partial = f'{path}.partial'
    with open(partial, 'w') as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write('\n')
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, path)
