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

``--threshold threshold.json`` (written by
``tools/analysis_tools/calibrate_threshold.py``) or ``--max-distance D``
drops the results beyond it; a query with none left is answered
``no match (FPR 1e-3)``, printed and drawn. QUERY may also be a
folder of query images (flat, or of identity folders): each query's answer
is printed (the picture shows the first one), and for identity folders
against a labelled gallery the open-set numbers: the share of the queries
of absent identities answered "no match", and the detection and
identification rate of the present ones (first result right and within
the threshold).
"""
import argparse
import os
import os.path as osp
import sys
from typing import Optional, Tuple

import cv2


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Re-ID gallery search.')
    parser.add_argument('query', help='query image file, or a folder of '
                        'them')
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
    parser.add_argument('--threshold', metavar='JSON',
                        help='a calibrated threshold file: drop results '
                        'beyond it, answer "no match" when none is left')
    parser.add_argument('--max-distance', type=float,
                        help='or a plain distance limit')
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


def search_folder(args, inferencer, gallery):
    """Every image of a query folder: one answer line each, and the
    open-set numbers when the truth is known. Returns the result and the
    first query's file (for the picture)."""
    from mmreid_dranet.apis.inputs import list_image_folder
    from mmreid_dranet.apis.search_threshold import open_set_rates
    listing = list_image_folder(args.query)
    embedded = inferencer(listing.paths, batch_size=args.batch_size)
    result = gallery.search(embedded['embeddings'], topk=args.topk,
                            max_distance=args.max_distance,
                            threshold=args.threshold)
    for row, path in enumerate(embedded['paths']):
        if result.no_match[row]:
            answer = f'no match ({result.limit})'
        else:
            index = int(result.indices[row][0])
            label = (gallery.labels([index]) or [''])[0]
            answer = (f'{result.distances[row][0]:.4f}  ' +
                      (f'{label}  ' if label else '') +
                      str(gallery.paths[index]))
        print(f'{path}: {answer}')
    if listing.is_labelled and gallery.is_labelled:
        identity_of = dict(zip(listing.paths, listing.identities))
        names = [identity_of[p] for p in embedded['paths']]
        present = [gallery.pid_of(name) is not None for name in names]
        first = [bool(gallery.is_match(row[:1], name)[0]) if row[0] >= 0
                 else False for row, name in zip(result.indices, names)]
        rates = open_set_rates(result, first, present)
        print(f'open set ({result.limit or "no limit"}): '
              f'{rates.num_absent} queries of identities absent from the '
              f'gallery, {rates.rejection_rate:.1%} answered "no match"; '
              f'{rates.num_present} of present identities, detection and '
              f'identification rate {rates.detection_identification_rate:.1%}')
    return result, embedded['paths'][0]


def main(argv=None):
    args = parse_args(argv)
    from mmreid_dranet.apis import ReIDInferencer
    try:
        inferencer = ReIDInferencer(args.config, args.checkpoint,
                                    device=args.device)
        gallery = build_gallery(args, inferencer)
        if osp.isdir(args.query):
            result, first = search_folder(args, inferencer, gallery)
            args.query = first
        else:
            query = inferencer(args.query)['embeddings']
            result = gallery.search(query, topk=args.topk,
                                    max_distance=args.max_distance,
                                    threshold=args.threshold)
            print_single(args, gallery, result)
    except (FileNotFoundError, ValueError) as error:
        sys.exit(f'error: {error}')
    if args.out:
        draw(args, gallery, result)


def print_single(args, gallery, result):
    """The one query's results (or its "no match") and the frames' truth.
    """
    if result.no_match[0]:
        print(f'{args.query}: no match ({result.limit}) among the '
              f'{len(gallery)} gallery images')
        return
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


def no_match_picture(picture, text):
    """The query alone, widened so that ``text`` fits above it."""
    import numpy as np

    from mmreid_dranet.visualization.ranked_list import (BACKGROUND, FONT,
                                                         TEXT_COLOR,
                                                         TITLE_SCALE)
    (width, _), _ = cv2.getTextSize(text, FONT, TITLE_SCALE, 1)
    extra = max(0, width + 8 - picture.shape[1])
    picture = np.concatenate([
        picture,
        np.full((picture.shape[0], extra, 3), BACKGROUND, np.uint8)
    ], axis=1)
    cv2.putText(picture, text, (4, 15), FONT, TITLE_SCALE, TEXT_COLOR, 1,
                cv2.LINE_AA)
    return picture


def draw(args, gallery, result):
    """The first query's ranked list; "no match (...)" as its title when
    nothing is left."""
    identity, _ = query_identity(args, gallery)
    if result.no_match[0]:
        picture = no_match_picture(gallery.draw(args.query, result),
                                   f'no match ({result.limit})')
    else:
        picture = gallery.draw(args.query, result, query_identity=identity,
                               title=osp.basename(args.query))
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    if not cv2.imwrite(args.out, picture):
        sys.exit(f'error: could not write {args.out}')
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
