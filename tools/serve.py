"""Serve a search over a durable gallery: HTTP API and web page.

``python tools/serve.py CONFIG CHECKPOINT --store DIR`` opens (or creates)
the store folder, loads its entries into memory and serves on
http://127.0.0.1:8000 (the page at ``/``, the API under ``/api``, its
schema at ``/docs``). See docs/en/user_guides/search_service.md.
"""
import argparse
import sys


def parse_args(argv=None):
    from mmengine.config import DictAction

    from mmreid_dranet.service.app import (DEFAULT_MAX_FILES,
                                           DEFAULT_MAX_UPLOAD_MB)
    parser = argparse.ArgumentParser(
        description='Serve a re-ID search over a durable gallery.')
    parser.add_argument('config', help='the model config file')
    parser.add_argument('checkpoint', help='its checkpoint file')
    parser.add_argument('--store', required=True,
                        help='the store folder (created when missing)')
    parser.add_argument('--threshold', help='a calibrated threshold file '
                        '(tools/analysis_tools/calibrate_threshold.py): '
                        'results beyond it are marked "no match"')
    parser.add_argument('--metric', default='euclidean',
                        choices=['euclidean', 'cosine'],
                        help='distance of a new store (an existing store '
                        'keeps its own)')
    parser.add_argument('--host', default='127.0.0.1',
                        help='address to bind; 127.0.0.1 (the default) is '
                        'this machine only, 0.0.0.0 every network')
    parser.add_argument('--port', type=int, default=8000)
    parser.add_argument('--token', help='require this token '
                        '(Authorization: Bearer TOKEN) to add or delete')
    parser.add_argument('--max-upload-mb', type=float,
                        default=DEFAULT_MAX_UPLOAD_MB,
                        help='largest image file accepted, in MiB')
    parser.add_argument('--max-files', type=int, default=DEFAULT_MAX_FILES,
                        help='most files in one upload')
    parser.add_argument('--search', default='memory',
                        choices=['memory', 'database'],
                        help='memory: exact search over the vectors loaded '
                        'at start (fast); database: the database\'s own '
                        'search (a gallery beyond memory)')
    parser.add_argument('--milvus-uri', help='a Milvus server '
                        '(http://host:19530) instead of the embedded '
                        'Milvus Lite file in the store folder')
    parser.add_argument('--milvus-token', default='',
                        help='the Milvus server\'s token (user:password)')
    parser.add_argument('--batch-size', type=int, default=32,
                        help='images per forward pass')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config overrides, e.g. '
                        'model.test_cfg.flip=True')
    return parser.parse_args(argv)


def build_service(args):
    """The model, the store and the service the options describe."""
    from mmreid_dranet.apis import DistanceThreshold, ReIDInferencer
    from mmreid_dranet.service import GalleryStore, SearchService
    inferencer = ReIDInferencer(args.config, args.checkpoint,
                                device=args.device,
                                cfg_options=args.cfg_options)
    threshold = DistanceThreshold.load(
        args.threshold) if args.threshold else None
    store = GalleryStore(args.store, inferencer.provenance, args.metric,
                         uri=args.milvus_uri, token=args.milvus_token)
    return SearchService(inferencer, store, threshold, args.search,
                         args.batch_size)


def main(argv=None):
    import uvicorn

    from mmreid_dranet.service.app import create_app
    from mmreid_dranet.service.store import StoreError
    from mmreid_dranet.utils.console import user_errors_as_messages
    args = parse_args(argv)
    with user_errors_as_messages(also=(StoreError, ValueError)):
        service = build_service(args)
    stats = service.stats()
    print(f'store {args.store}: {stats["entries"]} entries '
          f'({stats["model"]["description"]}); removed at start: '
          f'{stats["reconciled_at_start"]}', flush=True)
    app = create_app(service, args.token, args.max_upload_mb,
                     args.max_files)
    print(f'serving on http://{args.host}:{args.port}/', flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level='warning')
    service.store.close()


if __name__ == '__main__':
    sys.exit(main())
