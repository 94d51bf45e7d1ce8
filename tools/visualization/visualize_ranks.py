"""Draw ranked-list pictures from the embeddings of ``tools/test.py --out``.

    python tools/visualization/visualize_ranks.py work_dirs/feats.npz \
        --out-dir work_dirs/ranks --topk 10 --num-queries 20

Writes ``worst_NNN_<query>.png`` (lowest AP first) and
``best_NNN_<query>.png``: each query beside its top-k gallery images, true
matches framed green, false ones red, distances underneath, and the
identities: their names when the npz carries them (``query_names`` /
``gallery_names``, a data set of named identity folders), else ``pid N``.
The image paths stored in the npz must still exist.
"""
import argparse
import warnings

from mmreid_dranet.evaluation import (DISTANCE_METRICS, EvaluatedRanking,
                                      RerankOptions, evaluate_reid,
                                      load_features)
from mmreid_dranet.visualization import ReIDVisualizer


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('features', help='npz file of tools/test.py --out')
    parser.add_argument('--out-dir', required=True,
                        help='folder for the PNG files')
    parser.add_argument('--metric', choices=DISTANCE_METRICS,
                        default='euclidean')
    parser.add_argument('--topk', type=int, default=10,
                        help='gallery images per picture')
    parser.add_argument('--num-queries', type=int, default=20,
                        help='worst and best queries drawn (each)')
    parser.add_argument('--rerank', action='store_true',
                        help='rank by k-reciprocal re-ranked distances')
    return parser.parse_args(argv)


def main(argv=None) -> list:
    """Write the pictures; returns their paths."""
    args = parse_args(argv)
    data = load_features(args.features)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        evaluation = evaluate_reid(
            data['query_feats'], data['gallery_feats'], data['query_pids'],
            data['gallery_pids'], data['query_camids'],
            data['gallery_camids'], metric=args.metric,
            rerank=RerankOptions() if args.rerank else None,
            return_distances=True)
    ranking = EvaluatedRanking.from_arrays(evaluation, data)
    visualizer = ReIDVisualizer.get_instance('visualize_ranks')
    written = visualizer.visualize_ranked_lists(
        ranking, args.topk, args.num_queries, out_dir=args.out_dir)
    print(f'mAP {evaluation.metrics["mAP"]:.2f}: wrote {len(written)} '
          f'pictures to {args.out_dir}')
    return written


if __name__ == '__main__':
    main()
