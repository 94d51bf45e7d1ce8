"""Find a person in a gallery: the top-k matches of one query image.

``python demo/search_demo.py QUERY_IMAGE GALLERY CONFIG CHECKPOINT
--topk 10 --out result.png``

GALLERY is a folder of images, flat or one folder per identity
(``gallery/alice/0001.jpg``), embedded now (``--save-gallery`` keeps the
embeddings for next time), or a saved gallery / ``tools/test.py --out`` npz.
Prints the top-k gallery paths with their distances (and identities, when
the gallery has them) and writes the ranked-list picture. Its frames are
green (same identity as the query) or red when the truth is known: a
labelled gallery (identity folders, or an npz with ids) and the query's
identity, from ``--query-id`` or from its folder when that folder is an
identity of the gallery (``query/alice/0003.jpg``); grey otherwise.
"""
import argparse
import os
import os.path as osp
import sys
from typing import Optional, Tuple

import cv2


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Re-ID gallery search.')
    parser.add_argument('query', help='query image file')
    parser.add_argument('gallery', help='gallery folder, or an .npz saved '
                        'by --save-gallery / tools/test.py --out')
    parser.add_argument('config', help='config file or model-index name')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--topk', type=int, default=10, help='results')
    parser.add_argument('--out', help='write the ranked-list picture here')
    parser.add_argument('--metric', choices=['euclidean', 'cosine'],
                        help='distance (default: euclidean, or the saved '
                        "gallery's)")
    parser.add_argument('--save-gallery', help='save the embedded gallery '
                        'folder to this .npz')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--device', help='cpu or cuda (default: cuda when '
                        'available)')
    parser.add_argument('--skip-bad-files', action='store_true',
                        help='leave unreadable gallery images out (named)')
    parser.add_argument('--query-id', metavar='NAME',
                        help="the query's identity (a name of the gallery, "
                        'or a person id) to colour the frames; default: '
                        "the query's folder when the gallery knows it")
    return parser.parse_args(argv)


def query_identity(args, gallery) -> Tuple[Optional[str], str]:
    """The query's identity and where it comes from (for the printout).

    ``--query-id`` wins; else the query's folder name when the gallery
    holds that identity (``query/alice/0003.jpg``); else unknown (None).
    """
    if args.query_id is not None:
        return args.query_id, '--query-id'
    folder = osp.basename(osp.dirname(osp.abspath(args.query)))
    if gallery.pid_of(folder) is not None:
        return folder, 'its folder'
    return None, ''


def build_gallery(args, inferencer):
    from mmreid_dranet.apis import ReIDGallery
    options = {} if args.metric is None else dict(metric=args.metric)
    if osp.isdir(args.gallery):
        gallery = ReIDGallery.from_folder(
            inferencer, args.gallery, batch_size=args.batch_size,
            skip_bad_files=args.skip_bad_files, **options)
        if args.save_gallery:
            print(f'saved the gallery to {gallery.save(args.save_gallery)}')
        return gallery
    if args.gallery.endswith('.npz'):
        return ReIDGallery.load(args.gallery, **options)
    raise FileNotFoundError(f'gallery {args.gallery!r} is neither a folder '
                            'nor an .npz file')


def truth_line(gallery, indices, identity, source) -> str:
    """Says whether the frames are coloured, and how to colour them."""
    if not gallery.is_labelled:
        return ('frames grey: the gallery has no identities (give a folder '
                'of identity folders, or a labelled npz)')
    if identity is None:
        return ("frames grey: the query's identity is unknown (its folder "
                'is no identity of the gallery): pass --query-id NAME')
    flags = gallery.is_match(indices, identity)
    if gallery.pid_of(identity) is None:
        return (f'query identity {identity} ({source}) is not in the '
                'gallery: every frame red')
    return (f'query identity {identity} ({source}): {sum(flags)} of the top '
            f'{len(flags)} are of it (green frames; others red)')


def main(argv=None):
    args = parse_args(argv)
    from mmreid_dranet.apis import ReIDInferencer
    try:
        inferencer = ReIDInferencer(args.config, args.checkpoint,
                                    device=args.device)
        query = inferencer(args.query)['embeddings']
        gallery = build_gallery(args, inferencer)
        result = gallery.search(query, topk=args.topk)
    except (FileNotFoundError, ValueError) as error:
        sys.exit(f'error: {error}')
    identity, source = query_identity(args, gallery)
    print(f'top {len(result.paths[0])} of {len(gallery)} gallery images for '
          f'{args.query} ({gallery.metric} distance):')
    indices = result.indices[0][result.indices[0] >= 0]
    labels = gallery.labels(indices) or [''] * len(indices)
    for rank, (path, dist, label) in enumerate(
            zip(result.paths[0], result.distances[0], labels), 1):
        print(f'{rank:3d}  {dist:.4f}  ' + (f'{label}  ' if label else '') +
              path)
    print(truth_line(gallery, indices, identity, source))
    if args.out:
        picture = gallery.draw(args.query, result,
                               query_identity=identity,
                               title=osp.basename(args.query))
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        if not cv2.imwrite(args.out, picture):
            sys.exit(f'error: could not write {args.out}')
        print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
