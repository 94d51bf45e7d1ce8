"""ReIDMetric: the re-ID protocol inside mmengine's Runner."""
import logging
from typing import Optional, Sequence

from mmengine.dist import get_world_size, is_main_process
from mmengine.logging import print_log

from mmreid_dranet.datasets.camera_ids import one_camera_warning, single_camera
from mmreid_dranet.registry import METRICS
from ..functional.distance import check_metric
from ..functional.query_expansion import AQEOptions
from ..functional.reid_evaluation import _check_topk, evaluate_reid
from ..functional.rerank import RerankOptions
from ..functional.results import EvaluatedRanking
from ..functional.verification import (evaluate_verification,
                                       verification_metrics)
from .published_ranking import publish_ranking, rankings_requested
from .records import ReIDRecordMetric, split_of


@METRICS.register_module()
class ReIDMetric(ReIDRecordMetric):
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
    records and ranks every query.

    The metric computes only: it writes no file (the embeddings npz is
    :class:`DumpReIDEmbeddings`' work) and draws nothing. When asked, it
    publishes what it ranked (an :class:`EvaluatedRanking`: per-query APs,
    the distance function that was ranked, the ids and image paths) to
    the message hub for the ranked-list pictures
    (:mod:`.published_ranking`): asked by a drawer
    (:class:`ReIDVisualizationHook` requests it before the evaluations it
    draws) or by ``publish_ranking``. Otherwise nothing outlives the
    evaluation, so the memory of the distances is freed. The numbers do
    not depend on it.

    A test set of one camera (all camera ids equal, or a data set that had
    none: ``dataset_meta['cameras_known']`` False) gets one warning in the
    log, the first time it is evaluated: the protocol cannot remove
    same-camera matches there, so the numbers look better than they are.

    Args:
        metric (str): ``'euclidean'`` or ``'cosine'``.
        topk (Sequence[int]): CMC ranks reported as ``R{k}``.
        rerank (bool): Evaluate k-reciprocal re-ranked distances.
        rerank_cfg (dict, optional): ``k1``, ``k2``, ``lambda_value``...
            (the fields of :class:`RerankOptions`).
        normalize_features (bool): L2-normalise embeddings first.
        publish_ranking (bool): Publish every evaluation's ranking (main
            process), whether or not a drawer asked; the hub holds the
            last one.
        chunk_size (int, optional): Queries per distance block.
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): Defaults to ``'reid'``.
        collect_dir (str, optional): See ``BaseMetric``.
        aqe (bool): Average query expansion before ranking.
        aqe_cfg (dict, optional): ``k`` and ``alpha`` of the expansion
            (the fields of :class:`AQEOptions`).
        distributed_ranking (bool, optional): Spread the ranking over the
            processes (see above). Defaults to True when there are several.
        verification (bool): Also report the verification rates of all
            query-gallery pairs at the plain distance (no re-ranking or
            expansion: the distance a threshold is applied to), see
            :func:`evaluate_verification`: ``TPR@FPR=1e-4``,
            ``TPR@FPR=1e-3``, ``TPR@FPR=1e-2``, ``AUC``, ``EER`` (percent)
            and the distance thresholds ``threshold@FPR=1e-4``... and
            ``threshold@EER``, which go to the log and its JSON like every
            metric. Spread over the processes like the ranking.
    """
    default_prefix = 'reid'

    def __init__(self,
                 metric: str = 'euclidean',
                 topk: Sequence[int] = (1, 5, 10),
                 rerank: bool = False,
                 rerank_cfg: Optional[dict] = None,
                 normalize_features: bool = False,
                 publish_ranking: bool = False,
                 chunk_size: Optional[int] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None,
                 aqe: bool = False,
                 aqe_cfg: Optional[dict] = None,
                 distributed_ranking: Optional[bool] = None,
                 verification: bool = False) -> None:
        super().__init__(collect_device, prefix, collect_dir)
        self.metric = check_metric(metric)
        self.topk = _check_topk(topk)
        # Checked here, so that a wrong key fails when the config is built.
        self.rerank = RerankOptions.from_cfg(rerank_cfg) if rerank else None
        self.aqe = AQEOptions.from_cfg(aqe_cfg) if aqe else None
        self.normalize_features = normalize_features
        self.publish_ranking = publish_ranking
        self.chunk_size = chunk_size
        self.distributed_ranking = distributed_ranking
        self.verification = bool(verification)
        self._camera_warned = False

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
        metrics = self._evaluate(self.gather(size), distributed=True)
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
        split = split_of(results, self.normalize_features)
        query, gallery = split.is_query, ~split.is_query
        self._warn_one_camera(split.camids[query], split.camids[gallery])
        publish = is_main_process() and (self.publish_ranking
                                         or rankings_requested())
        result = evaluate_reid(
            split.feats[query], split.feats[gallery], split.pids[query],
            split.pids[gallery], split.camids[query], split.camids[gallery],
            metric=self.metric, topk=self.topk, rerank=self.rerank,
            aqe=self.aqe, chunk_size=self.chunk_size,
            distributed=distributed, return_distances=publish)
        if publish:
            publish_ranking(
                self.prefix or '',
                EvaluatedRanking(
                    ap=result.ap, distance_block=result.distance_block,
                    query_pids=split.pids[query],
                    query_camids=split.camids[query],
                    gallery_pids=split.pids[gallery],
                    gallery_camids=split.camids[gallery],
                    query_paths=split.paths[query.numpy()],
                    gallery_paths=split.paths[gallery.numpy()],
                    query_names=split.names[query.numpy()],
                    gallery_names=split.names[gallery.numpy()]))
        metrics = {'mAP': result.metrics['mAP']}
        metrics.update({f'R{k}': result.metrics[f'R{k}'] for k in self.topk})
        metrics['mINP'] = result.metrics['mINP']
        if self.verification:
            metrics.update(
                verification_metrics(
                    evaluate_verification(
                        split.feats[query], split.feats[gallery],
                        split.pids[query], split.pids[gallery],
                        split.camids[query], split.camids[gallery],
                        metric=self.metric, chunk_size=self.chunk_size,
                        distributed=distributed)))
        return metrics

    def _warn_one_camera(self, query_camids, gallery_camids) -> None:
        """Log :func:`one_camera_warning` once, on the main process."""
        if self._camera_warned or not is_main_process():
            return
        cameras_known = (self.dataset_meta or {}).get('cameras_known', True)
        if single_camera(query_camids.tolist(), gallery_camids.tolist(),
                         cameras_known):
            self._camera_warned = True
            print_log(f'ReIDMetric: {one_camera_warning(cameras_known)}',
                      logger='current', level=logging.WARNING)
