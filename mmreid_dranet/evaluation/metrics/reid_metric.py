"""ReIDMetric: the re-ID protocol inside mmengine's Runner."""
import os
import os.path as osp
from typing import Optional, Sequence

import numpy as np
import torch
from mmengine.dist import get_world_size, is_main_process
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from mmreid_dranet.registry import METRICS
from ..functional.distance import check_metric
from ..functional.feature_io import save_features
from ..functional.reid_evaluation import _check_topk, evaluate_reid
from .gather import gather_records_everywhere

_SAMPLE_KEYS = ('pred_feature', 'pid', 'camid', 'is_query')


@METRICS.register_module()
class ReIDMetric(BaseMetric):
    """CMC, mAP and mINP of a query + gallery test set.

    ``process`` keeps one record per sample (embedding, pid, camid,
    is_query, img_path, pid_name), so that the records can be put back in
    dataset order and the distributed sampler's padding dropped by the
    dataset size: 1 and N processes give the same numbers.

    With several processes and ``distributed_ranking`` (the default), every
    process receives every record (the gallery is needed by all), ranks its
    own share of the queries (and computes its share of the query
    expansion and of the re-ranking's neighbour search), and the per-query
    scores are gathered. Without it, mmengine's way: rank 0 receives the
    records and ranks every query. Only rank 0 writes ``dump_path``.

    The metric draws nothing. With ``keep_ranking`` (set by
    :class:`mmreid_dranet.engine.ReIDVisualizationHook`), rank 0 keeps
    what it ranked in :attr:`last_ranking` for the visualizer's ranked-list
    pictures: the per-query APs, the distance function that was ranked,
    the ids and the image paths. The numbers do not depend on it.

    Args:
        metric (str): ``'euclidean'`` or ``'cosine'``.
        topk (Sequence[int]): CMC ranks reported as ``R{k}``.
        rerank (bool): Evaluate k-reciprocal re-ranked distances.
        rerank_cfg (dict, optional): ``k1``, ``k2``, ``lambda_value``...
        normalize_features (bool): L2-normalise embeddings first.
        dump_path (str, optional): Save embeddings, labels and image paths
            to this npz file (see ``tools/analysis_tools/eval_features.py``).
        keep_ranking (bool): Keep :attr:`last_ranking` after each
            evaluation (rank 0).
        chunk_size (int, optional): Queries per distance block.
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): Defaults to ``'reid'``.
        collect_dir (str, optional): See ``BaseMetric``.
        aqe (bool): Average query expansion before ranking.
        aqe_cfg (dict, optional): ``k`` and ``alpha`` of the expansion.
        distributed_ranking (bool, optional): Spread the ranking over the
            processes (see above). Defaults to True when there are several.
    """
    default_prefix = 'reid'

    def __init__(self,
                 metric: str = 'euclidean',
                 topk: Sequence[int] = (1, 5, 10),
                 rerank: bool = False,
                 rerank_cfg: Optional[dict] = None,
                 normalize_features: bool = False,
                 dump_path: Optional[str] = None,
                 keep_ranking: bool = False,
                 chunk_size: Optional[int] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None,
                 aqe: bool = False,
                 aqe_cfg: Optional[dict] = None,
                 distributed_ranking: Optional[bool] = None) -> None:
        super().__init__(collect_device, prefix, collect_dir)
        self.aqe = aqe
        self.aqe_cfg = dict(aqe_cfg or {})
        self.distributed_ranking = distributed_ranking
        self.metric = check_metric(metric)
        self.topk = _check_topk(topk)
        self.rerank = rerank
        self.rerank_cfg = dict(rerank_cfg or {})
        self.normalize_features = normalize_features
        self.dump_path = dump_path
        self.keep_ranking = keep_ranking
        self.last_ranking: Optional[dict] = None
        self.chunk_size = chunk_size

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep the embedding and labels of each predicted sample.

        Args:
            data_batch: Unused.
            data_samples (Sequence[dict]): ``DataSample.to_dict()`` of the
                model's predictions.
        """
        for sample in data_samples:
            missing = [k for k in _SAMPLE_KEYS if k not in sample]
            if missing:
                raise KeyError(
                    f'predicted sample {sample.get("img_path", "?")!r} lacks '
                    f'{missing}: the model must set pred_feature and the '
                    "pipeline pack pid, camid and is_query "
                    "(PackInputs algorithm_keys)")
            self.results.append(
                dict(
                    feature=sample['pred_feature'].detach().float().cpu()
                    .flatten(),
                    pid=_as_int(sample['pid']),
                    camid=_as_int(sample['camid']),
                    is_query=bool(_as_int(sample['is_query'])),
                    img_path=str(sample.get('img_path', '')),
                    pid_name=_as_name(sample.get('pid_name'))))

    def evaluate(self, size: int) -> dict:
        """Metrics of the whole test set (see the class docstring).

        Args:
            size (int): Number of samples in the test set.

        Returns:
            dict: The metrics, prefixed, on every process.
        """
        world_size = get_world_size()
        spread = (self.distributed_ranking
                  if self.distributed_ranking is not None else
                  world_size > 1)
        if world_size == 1 or not spread:
            return super().evaluate(size)
        results = gather_records_everywhere(self.results, size)
        metrics = self._evaluate(results, distributed=True)
        self.results.clear()
        if self.prefix:
            metrics = {f'{self.prefix}/{k}': v for k, v in metrics.items()}
        return metrics

    def compute_metrics(self, results: list) -> dict:
        """Evaluate the query samples against the gallery samples.

        Args:
            results (list[dict]): Records of every sample, in dataset order.

        Returns:
            dict: ``mAP``, ``R{k}`` and ``mINP`` in percent.
        """
        return self._evaluate(results, distributed=False)

    def _evaluate(self, results: list, distributed: bool) -> dict:
        """compute_metrics; with ``distributed``, called on every process."""
        feats = torch.stack([r['feature'] for r in results])
        if self.normalize_features:
            feats = torch.nn.functional.normalize(feats, dim=1)
        is_query = torch.tensor([r['is_query'] for r in results])
        pids = torch.tensor([r['pid'] for r in results])
        camids = torch.tensor([r['camid'] for r in results])
        paths = np.array([r['img_path'] for r in results], dtype=np.str_)
        names = np.array([r.get('pid_name', '') for r in results],
                         dtype=np.str_)
        if not bool(is_query.any()):
            raise ValueError(f'none of the {len(results)} evaluated samples '
                             'is a query (is_query=False everywhere)')
        query, gallery = is_query, ~is_query
        evaluation = evaluate_reid(
            feats[query], feats[gallery], pids[query], pids[gallery],
            camids[query], camids[gallery], self.metric, self.topk,
            self.rerank, self.rerank_cfg, self.chunk_size,
            return_scores=self.keep_ranking and is_main_process(),
            aqe=self.aqe, aqe_cfg=self.aqe_cfg, distributed=distributed)
        if self.dump_path and is_main_process():
            os.makedirs(osp.dirname(osp.abspath(self.dump_path)),
                        exist_ok=True)
            path = save_features(self.dump_path, feats[query].numpy(),
                                 feats[gallery].numpy(), pids[query].numpy(),
                                 pids[gallery].numpy(), camids[query].numpy(),
                                 camids[gallery].numpy(), paths[query.numpy()],
                                 paths[gallery.numpy()], names[query.numpy()],
                                 names[gallery.numpy()])
            print_log(f'Saved re-ID embeddings to {path}', logger='current')
        if self.keep_ranking and is_main_process():
            self.last_ranking = dict(
                ap=evaluation['scores'].ap,
                distance_block=evaluation['distance_block'],
                query_pids=pids[query], query_camids=camids[query],
                gallery_pids=pids[gallery], gallery_camids=camids[gallery],
                query_paths=paths[query.numpy()],
                gallery_paths=paths[gallery.numpy()])
        metrics = {'mAP': evaluation['mAP']}
        metrics.update({f'R{k}': evaluation[f'R{k}'] for k in self.topk})
        metrics['mINP'] = evaluation['mINP']
        return metrics


def _as_int(value) -> int:
    if isinstance(value, (torch.Tensor, np.ndarray)):
        if np.prod(value.shape, dtype=np.int64) != 1:
            raise ValueError(f'expected one id, got an array of shape '
                             f'{tuple(value.shape)}')
        value = value.item()
    return int(value)


def _as_name(value) -> str:
    """A sample's ``pid_name``: '' where the data set has none."""
    return '' if value is None else str(value)
