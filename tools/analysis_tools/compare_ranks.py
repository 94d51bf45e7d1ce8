"""Compare two models query by query: their ranked lists where APs differ most.

    python tools/analysis_tools/compare_ranks.py dranet.npz baseline.npz \\
        --names DRANet Baseline --out-dir work_dirs/compare --num-queries 10

Both files come from ``tools/test.py --out`` on the same split (same query
and gallery images in the same order). Each picture shows one query's
ranked list under model A above its ranked list under model B (true
matches framed green, false red; identities by name when the files carry
names, else by pid), for the queries with the largest AP
difference; ``--direction a`` (or ``b``) keeps only those where A (or B)
is better, as the paper's Fig. 4 shows DRANet against its baseline.
Writes ``NNN_<query>.png`` and prints one line per query.
"""
import argparse
import os.path as osp
import sys
import warnings
from typing import List, Tuple

import numpy as np

SAME_SPLIT_KEYS = ('query_paths', 'gallery_paths', 'query_pids',
                   'gallery_pids', 'query_camids', 'gallery_camids')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('features_a', help='npz of model A (tools/test.py '
                        '--out)')
    parser.add_argument('features_b', help='npz of model B, same split')
    parser.add_argument('--out-dir', required=True, help='folder for PNGs')
    parser.add_argument('--names', nargs=2, metavar=('A', 'B'),
                        help='model names in the titles (default: the '
                        'file names)')
    parser.add_argument('--num-queries', type=int, default=10)
    parser.add_argument('--topk', type=int, default=10,
                        help='gallery images per ranked list')
    parser.add_argument('--direction', choices=('both', 'a', 'b'),
                        default='both', help="'a': only queries where A is "
                        "better; 'b': where B is better")
    parser.add_argument('--metric', choices=('euclidean', 'cosine'),
                        default='euclidean')
    return parser.parse_args(argv)


def check_same_split(a: dict, b: dict, name_a: str, name_b: str) -> None:
    """Raise naming the first array that differs between the two files."""
    for key in SAME_SPLIT_KEYS:
        if a[key].shape != b[key].shape or not np.array_equal(a[key],
                                                              b[key]):
            raise ValueError(
                f'{name_a} and {name_b} are not of the same split: their '
                f'{key} differ (lengths {len(a[key])} and {len(b[key])}); '
                'compare two --out files of the same test data')


def ranking_of(data: dict, metric: str) -> Tuple[object, float]:
    """The ranking the visualizer draws, from one feature file, and its
    mAP."""
    from mmreid_dranet.evaluation import EvaluatedRanking, evaluate_reid
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # queries without a true match
        evaluation = evaluate_reid(
            data['query_feats'], data['gallery_feats'], data['query_pids'],
            data['gallery_pids'], data['query_camids'],
            data['gallery_camids'], metric=metric, return_distances=True)
    return (EvaluatedRanking.from_arrays(evaluation, data),
            evaluation.metrics['mAP'])


def pick_queries(ap_a: np.ndarray, ap_b: np.ndarray, num: int,
                 direction: str) -> np.ndarray:
    """Queries with the largest AP difference, in the chosen direction."""
    from mmreid_dranet.visualization import select_queries_by_difference
    order = select_queries_by_difference(ap_a, ap_b, len(ap_a))
    if direction == 'a':
        order = order[ap_a[order] > ap_b[order]]
    elif direction == 'b':
        order = order[ap_b[order] > ap_a[order]]
    return order[:num]


def main(argv=None) -> List[str]:
    """Write the pictures; returns their paths."""
    args = parse_args(argv)
    from mmreid_dranet.evaluation import load_features
    from mmreid_dranet.visualization import ReIDVisualizer, file_stem
    names = args.names or [osp.basename(args.features_a),
                           osp.basename(args.features_b)]
    try:
        data_a = load_features(args.features_a)
        data_b = load_features(args.features_b)
        check_same_split(data_a, data_b, args.features_a, args.features_b)
    except (FileNotFoundError, ValueError) as error:
        sys.exit(f'compare_ranks: {error}')
    ranking_a, map_a = ranking_of(data_a, args.metric)
    ranking_b, map_b = ranking_of(data_b, args.metric)
    chosen = pick_queries(ranking_a.ap, ranking_b.ap, args.num_queries,
                          args.direction)
    print(f'mAP {names[0]} {map_a:.2f}, {names[1]} {map_b:.2f}; '
          f'{len(chosen)} queries drawn:')
    visualizer = ReIDVisualizer.get_instance('compare_ranks')
    written = []
    for number, query in enumerate(chosen):
        query = int(query)
        path = str(data_a['query_paths'][query])
        out_file = osp.join(args.out_dir,
                            f'{number:03d}_{file_stem(path)}.png')
        visualizer.visualize_rank_comparison(
            [ranking_a, ranking_b], query, names, args.topk,
            out_file=out_file)
        print(f'  {out_file}: AP {names[0]} '
              f'{ranking_a.ap[query] * 100:.1f}%, {names[1]} '
              f'{ranking_b.ap[query] * 100:.1f}%')
        written.append(out_file)
    return written


if __name__ == '__main__':
    main()
