"""The search service: a durable gallery in a vector database, an exact
in-memory search kept in step with it, an HTTP API and a web page.

Needs the ``service`` extras (``pip install mmreid_dranet[service]``:
FastAPI, uvicorn, python-multipart, pymilvus, milvus-lite). Importing
``mmreid_dranet`` does not import this package; ``tools/serve.py`` starts
it.
"""
from .filters import SearchFilter, parse_time
from .memory_index import MemoryIndex
from .service import SearchService, UploadRejected
from .store import Entry, GalleryStore, StoreError

__all__ = [
    'Entry', 'GalleryStore', 'StoreError', 'MemoryIndex', 'SearchFilter',
    'parse_time', 'SearchService', 'UploadRejected'
]
