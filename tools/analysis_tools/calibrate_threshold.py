"""Calibrate the "same person" distance threshold for a target false
positive rate, from a labelled split's embeddings (``tools/test.py --out``).

    python tools/analysis_tools/calibrate_threshold.py work_dirs/feats.npz \
        --fpr 1e-3 --out work_dirs/threshold.json --show-dir work_dirs/calib

Writes a :class:`~mmreid_dranet.apis.DistanceThreshold` (JSON): the largest
distance whose false positive rate over all valid query-gallery pairs is
at most ``--fpr``, the TPR there, the metric, and what the embeddings
depend on (the npz's provenance), so that a search or a verification with
another model refuses it. An npz written without provenance is refused
unless ``--config`` (and ``--checkpoint``) name the model that made it.
With ``--show-dir``: ``distance_histograms.png`` (positive and negative
pairs, the threshold line) and ``roc.png`` (log FPR, the operating point).
"""
import argparse
import os
import os.path as osp
import sys

import numpy as np

from mmreid_dranet.evaluation import DISTANCE_METRICS, load_features
from mmreid_dranet.evaluation.functional.feature_io import \
    load_feature_provenance
from mmreid_dranet.evaluation.functional.verification import fpr_label


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('features', help='npz file of tools/test.py --out')
    parser.add_argument('--fpr', type=float, default=1e-3,
                        help='target false positive rate (default 1e-3)')
    parser.add_argument('--out', required=True,
                        help='the threshold JSON file to write')
    parser.add_argument('--metric', choices=DISTANCE_METRICS,
                        default='euclidean',
                        help='distance (default euclidean, squared)')
    parser.add_argument('--show-dir', help='write the histogram and ROC '
                        'pictures (PNG) here')
    parser.add_argument('--config', help='for an npz without provenance: '
                        'the config that made the embeddings')
    parser.add_argument('--checkpoint', help='with --config: its checkpoint '
                        '(hashed)')
    parser.add_argument('--chunk-size', type=int, default=None,
                        help='queries per distance block (memory bound)')
    return parser.parse_args(argv)


def embedding_provenance(args):
    """The npz's provenance; else the one of ``--config``/``--checkpoint``.

    Raises:
        SystemExit: Neither, or both and they differ.
    """
    from mmreid_dranet.utils.provenance import EmbeddingProvenance
    stored = load_feature_provenance(args.features)
    given = None
    if args.config:
        from mmengine.config import Config
        given = EmbeddingProvenance.from_config(
            Config.fromfile(args.config), args.checkpoint)
    elif args.checkpoint:
        sys.exit('error: --checkpoint needs --config')
    if stored is None and given is None:
        sys.exit(f'error: {args.features} does not say which model made its '
                 'embeddings (written before tools/test.py stored it): run '
                 'tools/test.py --out again, or pass --config CONFIG '
                 '--checkpoint CHECKPOINT of that model')
    if stored is not None and given is not None:
        stored.check_same(given, args.features, '--config/--checkpoint')
    return stored or given


def main(argv=None):
    """Calibrate; returns the DistanceThreshold written."""
    args = parse_args(argv)
    from mmreid_dranet.apis import DistanceThreshold
    from mmreid_dranet.evaluation import evaluate_verification
    if not 0 < args.fpr <= 1:
        sys.exit(f'error: --fpr must lie in (0, 1], got {args.fpr}')
    try:
        arrays = load_features(args.features)
        provenance = embedding_provenance(args)
        split = [arrays[k] for k in ('query_feats', 'gallery_feats',
                                     'query_pids', 'gallery_pids',
                                     'query_camids', 'gallery_camids')]
        result = evaluate_verification(*split, metric=args.metric,
                                       fpr_targets=(args.fpr, ),
                                       chunk_size=args.chunk_size)
    except (FileNotFoundError, ValueError) as error:
        sys.exit(f'error: {error}')
    point = result.operating_points[0]
    negatives = result.num_negative_pairs
    if not np.isfinite(point.threshold):
        sys.exit(f'error: no distance keeps the false positive rate at or '
                 f'below {args.fpr:g} on these {negatives} negative pairs '
                 '(the closest pairs of different persons are too many or '
                 'tied): use a larger --fpr or more data')
    if args.fpr * negatives < 10:
        print(f'warning: {args.fpr:g} x {negatives} negative pairs is '
              f'{args.fpr * negatives:.1f} pairs: the threshold rests on '
              'too few of them to be trusted; use more data or a larger '
              '--fpr', file=sys.stderr)
    threshold = DistanceThreshold(
        max_distance=point.threshold, metric=args.metric,
        target_fpr=args.fpr, fpr=point.fpr, tpr=point.tpr,
        num_positive_pairs=result.num_positive_pairs,
        num_negative_pairs=negatives, provenance=provenance)
    path = threshold.save(args.out)
    print(f'{threshold.label}: same person at {args.metric} distance <= '
          f'{point.threshold:.6g} (calibration pairs: FPR {point.fpr:.3g}, '
          f'TPR {point.tpr:.4f}; {result.num_positive_pairs} positive, '
          f'{negatives} negative; AUC {result.auc:.4f}, EER '
          f'{result.eer:.4f}); model: {provenance.describe()}')
    print(f'wrote {path}')
    if args.show_dir:
        show(args, split, result, point)
    return threshold


def show(args, split, result, point):
    """Write the histogram and ROC pictures."""
    import cv2

    from mmreid_dranet.evaluation import pair_histograms
    from mmreid_dranet.visualization import draw_pair_histograms, draw_roc
    os.makedirs(args.show_dir, exist_ok=True)
    histograms = pair_histograms(*split, metric=args.metric,
                                 max_distance=float(result.thresholds[-1]),
                                 chunk_size=args.chunk_size)
    label = f'FPR {fpr_label(args.fpr)}'
    for name, picture in (
            ('distance_histograms.png',
             draw_pair_histograms(histograms, point.threshold, label,
                                  args.metric)),
            ('roc.png', draw_roc(result, point))):
        path = osp.join(args.show_dir, name)
        if not cv2.imwrite(path, picture):
            sys.exit(f'error: could not write {path}')
        print(f'wrote {path}')


if __name__ == '__main__':
    main()
