"""Run by tests/test_evaluation/test_reid_metric.py under torchrun:
ReIDMetric on 2 ranks.

Usage: torchrun --nproc_per_node=N distributed_metric_worker.py OUT OPTIONS
Each rank feeds the samples mmengine's DefaultSampler gives it (padded to a
multiple of the world size) to a ReIDMetric built with the JSON ``OPTIONS``
(and, with ``OPTIONS['dump']``, to a DumpReIDEmbeddings writing
``OUT.npz``), and writes ``OUT.<rank>.json``: its metrics and how many
queries it ranked.
"""
import json
import sys
import warnings

import numpy as np
import torch
from mmengine.evaluator import Evaluator

from mmreid_dranet.evaluation import DumpReIDEmbeddings, ReIDMetric
from mmreid_dranet.evaluation.functional import reid_evaluation, rerank_steps
from mmreid_dranet.utils.distributed import release_process_group

# Small row blocks, so that the re-ranking's neighbour search and weights
# have several blocks to share out (the test uses the same value).
SMALL_BLOCK_ELEMENTS = 53 * 8


def make_test_set(seed=0, num_query=12, num_gallery=41):
    """Embeddings with identity structure, query samples first (53 samples:
    2 ranks get a padded copy of sample 0, a query)."""
    rng = np.random.default_rng(seed)
    num = num_query + num_gallery
    pids = np.concatenate([np.arange(num_query) % 6,
                           rng.integers(0, 8, num_gallery)])
    camids = rng.integers(0, 3, num)
    centers = rng.normal(size=(8, 16))
    feats = (centers[pids] + 0.9 * rng.normal(size=(num, 16))).astype(
        np.float32)
    return feats, pids, camids, np.arange(num) < num_query


def main(out_prefix, options):
    torch.distributed.init_process_group('gloo')
    rank = torch.distributed.get_rank()
    world_size = torch.distributed.get_world_size()
    rerank_steps.DEFAULT_BLOCK_ELEMENTS = SMALL_BLOCK_ELEMENTS
    ranked = []
    score_queries = reid_evaluation.score_queries

    def counted(distance_block, query_pids, *args, **kwargs):
        ranked.append(len(query_pids))
        return score_queries(distance_block, query_pids, *args, **kwargs)

    reid_evaluation.score_queries = counted
    feats, pids, camids, is_query = make_test_set()
    size = len(feats)
    total = -(-size // world_size) * world_size
    indices = (list(range(size)) * 2)[:total][rank::world_size]
    options = dict(options)
    dump = options.pop('dump', False)
    metrics = [ReIDMetric(**options)]
    if dump:
        metrics.append(DumpReIDEmbeddings(f'{out_prefix}.npz'))
    evaluator = Evaluator(metrics)
    for start in range(0, len(indices), 4):
        evaluator.process([
            dict(pred_feature=torch.from_numpy(feats[i]), pid=int(pids[i]),
                 camid=int(camids[i]), is_query=bool(is_query[i]),
                 img_path=f'{i}.jpg') for i in indices[start:start + 4]
        ])
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        metrics = evaluator.evaluate(size)
    with open(f'{out_prefix}.{rank}.json', 'w') as f:
        json.dump(dict(metrics=metrics, ranked=sum(ranked)), f)
    release_process_group()


if __name__ == '__main__':
    main(sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else {})
