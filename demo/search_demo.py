"""Find a person in a gallery: the top-k matches of one query image.

``python demo/search_demo.py QUERY_IMAGE GALLERY CONFIG CHECKPOINT
--topk 10 --out result.png``

GALLERY is a folder of images (embedded now; ``--save-gallery`` keeps the
embeddings for next time) or a saved gallery / ``tools/test.py --out`` npz.
Prints the top-k gallery paths with their distances and writes the
ranked-list picture (neutral frames: the gallery images carry no identity
to compare with).
"""
import argparse
import os
import os.path as osp
import sys

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
    return parser.parse_args(argv)


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
    print(f'top {len(result.paths[0])} of {len(gallery)} gallery images for '
          f'{args.query} ({gallery.metric} distance):')
    for rank, (path, dist) in enumerate(
            zip(result.paths[0], result.distances[0]), 1):
        print(f'{rank:3d}  {dist:.4f}  {path}')
    if args.out:
        picture = gallery.draw(args.query, result, title=osp.basename(
            args.query))
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        if not cv2.imwrite(args.out, picture):
            sys.exit(f'error: could not write {args.out}')
        print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
