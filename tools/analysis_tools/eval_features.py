"""Re-evaluate (and re-rank) the embeddings of ``tools/test.py --out``.

    python tools/analysis_tools/eval_features.py work_dirs/feats.npz \
        --metric cosine --rerank --k1 20 --k2 6 --lambda-value 0.3 --aqe

Prints a markdown table: the plain protocol, the re-ranked one with
``--rerank`` (the authors' released algorithm; ``--rerank-variant paper``
for the paper's reading) and the one with average query expansion with
``--aqe``. The npz is the one written by the ``DumpReIDEmbeddings`` metric
(``tools/test.py --out``) or by ``mmreid_dranet.evaluation.save_features``.
"""
import argparse
import time
import warnings

import numpy as np

from mmreid_dranet.evaluation import (DISTANCE_METRICS, RERANK_VARIANTS,
                                      AQEOptions, RerankOptions, evaluate_reid,
                                      load_features)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('features', help='npz file of tools/test.py --out')
    parser.add_argument('--metric', choices=DISTANCE_METRICS,
                        default='euclidean')
    parser.add_argument('--topk', type=int, nargs='+', default=[1, 5, 10])
    parser.add_argument('--normalize', action='store_true',
                        help='L2-normalise the embeddings first')
    parser.add_argument('--rerank', action='store_true',
                        help='also evaluate k-reciprocal re-ranking')
    parser.add_argument('--k1', type=int, default=20)
    parser.add_argument('--k2', type=int, default=6)
    parser.add_argument('--lambda-value', type=float, default=0.3)
    parser.add_argument('--rerank-variant', choices=RERANK_VARIANTS,
                        default='authors',
                        help="'authors': their released code (default); "
                        "'paper': the paper's formulas")
    parser.add_argument('--aqe', action='store_true',
                        help='also evaluate average query expansion')
    parser.add_argument('--aqe-k', type=int, default=5,
                        help='gallery neighbours averaged per query')
    parser.add_argument('--aqe-alpha', type=float, default=3.0,
                        help='exponent of the similarity weights')
    parser.add_argument('--chunk-size', type=int, default=None,
                        help='queries per distance block (memory bound)')
    return parser.parse_args(argv)


def normalized(feats: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(feats, axis=1, keepdims=True)
    if (norms == 0).any():
        raise ValueError(f'{int((norms == 0).sum())} embeddings are all '
                         'zeros and cannot be normalised')
    return feats / norms


def main(argv=None) -> list:
    """Run the evaluation(s); returns their ReIDEvaluationResults."""
    args = parse_args(argv)
    data = load_features(args.features)
    query, gallery = data['query_feats'], data['gallery_feats']
    if args.normalize:
        query, gallery = normalized(query), normalized(gallery)
    labels = (data['query_pids'], data['gallery_pids'], data['query_camids'],
              data['gallery_camids'])
    settings = [('plain', dict())]
    if args.rerank:
        settings.append((f're-ranked (k1={args.k1}, k2={args.k2}, '
                         f'lambda={args.lambda_value})',
                         dict(rerank=RerankOptions(
                             k1=args.k1, k2=args.k2,
                             lambda_value=args.lambda_value,
                             variant=args.rerank_variant))))
    if args.aqe:
        settings.append((f'AQE (k={args.aqe_k}, alpha={args.aqe_alpha})',
                         dict(aqe=AQEOptions(k=args.aqe_k,
                                             alpha=args.aqe_alpha))))
    print(f'{args.features}: {len(query)} queries, {len(gallery)} gallery, '
          f'{query.shape[1]}-d, metric {args.metric}\n')
    keys = [f'R{k}' for k in args.topk] + ['mAP', 'mINP']
    print('| setting | ' + ' | '.join(keys) + ' | seconds |')
    print('| --- |' + ' ---: |' * (len(keys) + 1))
    results = []
    for name, options in settings:
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            result = evaluate_reid(query, gallery, *labels,
                                   metric=args.metric, topk=args.topk,
                                   chunk_size=args.chunk_size, **options)
        seconds = time.perf_counter() - start
        results.append(result)
        print(f'| {name} | ' +
              ' | '.join(f'{result.metrics[k]:.2f}' for k in keys) +
              f' | {seconds:.1f} |')
    if caught:
        print(f'\nnote: {caught[0].message}')
    return results


if __name__ == '__main__':
    main()
