"""The HTTP API and web page of a :class:`SearchService` (FastAPI).

Routes (the OpenAPI schema is at ``/openapi.json``, its page at
``/docs``)::

    GET    /                      the web page (static/index.html)
    GET    /api/health            {"status": "ok"}
    GET    /api/stats             entries, model, metric, threshold, limits
    POST   /api/images            add images (multipart ``files``, ``camera``,
                                  ``time``, ``source``)            [token]
    GET    /api/images/{id}       an entry's metadata
    GET    /api/images/{id}/file  its image
    DELETE /api/images/{id}       delete it                         [token]
    POST   /api/search            search by an uploaded image (``file``)
    GET    /api/search?id=...     search by an entry of the store

Errors are JSON ``{"detail": "..."}``: 401 (token), 404 (unknown id),
413 (too large or too many files: the limit named), 415 (not an image:
the file named, nothing stored), 422 (a bad field).
"""
import hmac
import os.path as osp
from typing import List, Optional

from fastapi import (Depends, FastAPI, File, Form, Header, HTTPException,
                     Request, UploadFile)
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from mmreid_dranet.version import __version__
from .filters import SearchFilter, parse_time
from .images import SUFFIX_MEDIA_TYPES, UnknownEntry
from .service import MAX_TOPK, SearchService, UploadRejected

STATIC = osp.join(osp.dirname(osp.abspath(__file__)), 'static')
DEFAULT_MAX_UPLOAD_MB = 10
DEFAULT_MAX_FILES = 64
# Room for the multipart framing and form fields around the files.
_FORM_OVERHEAD = 1 << 16


def create_app(service: SearchService, token: Optional[str] = None,
               max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB,
               max_files: int = DEFAULT_MAX_FILES) -> FastAPI:
    """The FastAPI app of a service.

    Args:
        service (SearchService): The gallery and model.
        token (str, optional): When given, adding and deleting need the
            header ``Authorization: Bearer <token>``.
        max_upload_mb (float): Largest file of an upload, in MiB.
        max_files (int): Most files in one upload.

    Returns:
        FastAPI: The app (serve it with uvicorn).
    """
    max_bytes = int(max_upload_mb * (1 << 20))
    app = FastAPI(title='mmreid_dranet search service', version=__version__,
                  description='Person re-identification search over a '
                  'durable gallery. Write endpoints may need a token.')
    app.state.service = service

    @app.middleware('http')
    async def limit_request_size(request: Request, call_next):
        # Refused before the body is read: a request that cannot fit.
        length = request.headers.get('content-length')
        limit = max_files * max_bytes + _FORM_OVERHEAD
        if length and length.isdigit() and int(length) > limit:
            return JSONResponse(
                status_code=413,
                content=dict(detail=f'the request has {int(length)} bytes, '
                             f'over the limit of {limit} bytes ({max_files} '
                             f'files of at most {max_upload_mb:g} MiB)'))
        return await call_next(request)

    @app.exception_handler(UploadRejected)
    async def rejected(request: Request, error: UploadRejected):
        return JSONResponse(status_code=error.status,
                            content=dict(detail=str(error)))

    @app.exception_handler(UnknownEntry)
    async def unknown(request: Request, error: UnknownEntry):
        return JSONResponse(status_code=404,
                            content=dict(detail=error.args[0]))

    @app.exception_handler(ValueError)
    async def bad_value(request: Request, error: ValueError):
        return JSONResponse(status_code=422, content=dict(detail=str(error)))

    def writer(authorization: Optional[str] = Header(None)) -> None:
        if token is None:
            return
        given = (authorization or '').removeprefix('Bearer ').strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(
                401, 'this server needs a token to add or delete: send '
                "'Authorization: Bearer <token>' (the --token of "
                'tools/serve.py)')

    def read_upload(upload: UploadFile) -> bytes:
        data = upload.file.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise UploadRejected(
                f'{upload.filename!r} is larger than the limit of '
                f'{max_upload_mb:g} MiB per file', 413)
        return data

    @app.get('/', include_in_schema=False)
    def page():
        return FileResponse(osp.join(STATIC, 'index.html'))

    app.mount('/static', StaticFiles(directory=STATIC), name='static')

    @app.get('/api/health')
    def health():
        return dict(status='ok', entries=len(service))

    @app.get('/api/stats')
    def stats():
        return dict(service.stats(), token_required=token is not None,
                    max_upload_mb=max_upload_mb, max_files=max_files,
                    max_topk=MAX_TOPK)

    @app.post('/api/images', dependencies=[Depends(writer)])
    def add_images(files: List[UploadFile] = File(...),
                   camera: Optional[int] = Form(None),
                   time: str = Form(''), source: str = Form('')):
        if len(files) > max_files:
            raise UploadRejected(
                f'{len(files)} files in one upload, over the limit of '
                f'{max_files}: send them in several uploads', 413)
        uploads = [(f.filename or f'file {i}', read_upload(f))
                   for i, f in enumerate(files)]
        added = service.add_images(uploads, camera, parse_time(time),
                                   source)
        return dict(images=added, entries=len(service))

    @app.get('/api/images/{entry_id}')
    def get_image(entry_id: str):
        return service.describe(service.entry(entry_id))

    @app.get('/api/images/{entry_id}/file')
    def get_image_file(entry_id: str):
        path, suffix = service.image_file(entry_id)
        return FileResponse(path, media_type=SUFFIX_MEDIA_TYPES[suffix])

    @app.delete('/api/images/{entry_id}', dependencies=[Depends(writer)])
    def delete_image(entry_id: str):
        return dict(deleted=service.delete(entry_id), entries=len(service))

    @app.post('/api/search')
    def search_upload(file: UploadFile = File(...), topk: int = Form(10),
                      cameras: str = Form(''), time_from: str = Form(''),
                      time_to: str = Form(''),
                      max_distance: Optional[float] = Form(None)):
        return service.search_image(
            read_upload(file), file.filename or 'the query', topk=topk,
            search_filter=SearchFilter.parse(cameras, time_from, time_to),
            max_distance=max_distance)

    @app.get('/api/search')
    def search_entry(id: str, topk: int = 10, cameras: str = '',
                     time_from: str = '', time_to: str = '',
                     max_distance: Optional[float] = None):
        return service.search_id(
            id, topk=topk,
            search_filter=SearchFilter.parse(cameras, time_from, time_to),
            max_distance=max_distance)

    return app
