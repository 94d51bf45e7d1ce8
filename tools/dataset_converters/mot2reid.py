"""Turn MOTChallenge tracking labels into a re-ID data set.

Example::

    python tools/dataset_converters/mot2reid.py data/MOT17/train \\
        data/mot17_reid --min-visibility 0.3 --frame-step 5 --max-per-id 50

SOURCE is one sequence folder (``SEQ/seqinfo.ini``, ``SEQ/img1/``,
``SEQ/gt/gt.txt``) or a folder of them. Pedestrian boxes (class 1) with
flag 1, visibility >= ``--min-visibility`` and at least ``--min-size``
pixels high, of every ``--frame-step``-th frame, are cut out, at most
``--max-per-id`` per track (spread evenly); each track is one identity
named ``<sequence>_<track id>``, and a share ``--test-ratio`` of the
identities (drawn with ``--seed``) goes to query/gallery.

Why pseudo-cameras: one MOT sequence is one camera, and the evaluation
protocol removes the gallery images of the query's identity taken by the
same camera, so no query would keep a true match. ``--camera-mode
time-window`` (default) cuts each track into ``--windows`` consecutive
pieces in time that act as cameras: a query is matched against its own
track's other pieces, as a tracker re-finds a person after an occlusion;
``--camera-mode sequence`` keeps the sequence as the camera (only useful
where one person is seen by several sequences). See
``mmreid_dranet.datasets.mot_sequences``.

OUT is read by ``CustomReIDDataset`` (``train/``, ``query/``,
``gallery/``, one folder per identity): train with a config whose datasets
are ``dict(type='CustomReIDDataset')`` and ``--data-root OUT`` (printed at
the end), and check it first with ``tools/misc/check_dataset.py``.
"""
import argparse
import sys

from mmreid_dranet.datasets.mot_sequences import (CAMERA_MODES, PEDESTRIAN,
                                                  convert_mot, find_sequences)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='MOTChallenge sequences -> re-ID data set (folders).')
    parser.add_argument('source', help='a sequence folder or a folder of '
                        'sequences (e.g. MOT17/train)')
    parser.add_argument('out_dir', help='output folder (new or empty)')
    parser.add_argument('--classes', type=int, nargs='+',
                        default=[PEDESTRIAN],
                        help='gt.txt classes to keep (default: 1, '
                        'pedestrian, as in MOT17/MOT20)')
    parser.add_argument('--min-visibility', type=float, default=0.3,
                        help='lowest visibility kept (default 0.3)')
    parser.add_argument('--min-size', type=int, default=32,
                        help='lowest box height in pixels after clipping '
                        'to the frame (default 32)')
    parser.add_argument('--frame-step', type=int, default=1,
                        help='use every k-th frame (default 1)')
    parser.add_argument('--max-per-id', type=int, default=None,
                        help='most crops of one identity (default: all)')
    parser.add_argument('--test-ratio', type=float, default=0.2,
                        help='share of identities for query/gallery '
                        '(default 0.2)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the identity split (default 0)')
    parser.add_argument('--camera-mode', choices=CAMERA_MODES,
                        default='time-window',
                        help='what acts as a camera (default time-window; '
                        'see the module docstring)')
    parser.add_argument('--windows', type=int, default=2,
                        help='pseudo-cameras per track in time-window mode '
                        '(default 2)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        seqs = find_sequences(args.source)
        summary = convert_mot(
            seqs, args.out_dir, classes=args.classes,
            min_visibility=args.min_visibility, min_size=args.min_size,
            frame_step=args.frame_step, max_per_id=args.max_per_id,
            test_ratio=args.test_ratio, seed=args.seed,
            camera_mode=args.camera_mode, windows=args.windows)
    except (FileNotFoundError, FileExistsError, ValueError) as error:
        sys.exit(f'mot2reid: {error}')
    print(f'{len(seqs)} sequence(s) -> {args.out_dir}')
    for part, counts in summary.items():
        print(f'  {part}: {counts["images"]} crops of '
              f'{counts["identities"]} identities')
    query = summary['query']
    print(f'  queries with a true match: {query["queries_with_match"]} of '
          f'{query["images"]}')
    print("Train on it with a config whose datasets are "
          "dict(type='CustomReIDDataset') and "
          f'--data-root {args.out_dir}; check it first with '
          f'tools/misc/check_dataset.py CONFIG --data-root {args.out_dir}')


if __name__ == '__main__':
    main()
