"""DumpReIDEmbeddings: write a test set's embeddings to an npz file."""
import os
import os.path as osp
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.logging import print_log

from mmreid_dranet.registry import METRICS
from mmreid_dranet.utils.provenance import EmbeddingProvenance
from ..functional.feature_io import save_features
from .records import ReIDRecordMetric, split_of


@METRICS.register_module()
class DumpReIDEmbeddings(ReIDRecordMetric):
    """Save the embeddings, ids, image paths and identity names of a query
    + gallery test set for offline evaluation (in the manner of mmengine's
    ``DumpResults``); it reports no metric.

    The file is the one :func:`mmreid_dranet.evaluation.save_features`
    writes and :func:`~mmreid_dranet.evaluation.load_features`,
    ``tools/analysis_tools/eval_features.py`` and ``ReIDGallery.load``
    read (keys: ``FEATURE_FILE_KEYS``). ``tools/test.py --out FILE`` adds
    this metric to the test evaluator.

    The records are kept per sample and put back in dataset order (the
    distributed sampler's padding dropped), as :class:`ReIDMetric` does:
    under several processes every process's records reach every process
    as tensors (no shared folder needed), and the main process writes.

    Args:
        out_file (str): The npz file (``.npz`` is appended when missing).
        normalize_features (bool): L2-normalise the embeddings first, as
            a :class:`ReIDMetric` with ``normalize_features`` evaluates
            them. Defaults to False.
        provenance (dict, optional): What the embeddings depend on
            (:meth:`EmbeddingProvenance.to_dict`), stored in the file;
            ``tools/test.py --out`` gives it.
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): Defaults to ``'reid'`` (no key is
            reported).
        collect_dir (str, optional): See ``BaseMetric``.
    """
    default_prefix = 'reid'

    def __init__(self,
                 out_file: str,
                 normalize_features: bool = False,
                 provenance: Optional[dict] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(collect_device, prefix, collect_dir)
        if not isinstance(out_file, str) or not out_file:
            raise ValueError('DumpReIDEmbeddings: out_file must name an npz '
                             f'file, got {out_file!r}')
        self.out_file = out_file
        self.normalize_features = normalize_features
        self.provenance = (None if provenance is None else
                           EmbeddingProvenance.from_dict(
                               dict(provenance), 'DumpReIDEmbeddings'))

    def evaluate(self, size: int) -> dict:
        """Write the file (main process).

        Args:
            size (int): Number of samples in the test set.

        Returns:
            dict: Empty: the dump reports no metric.
        """
        records = self.gather(size)
        if is_main_process():
            self.compute_metrics(records)
        return {}

    def compute_metrics(self, results: list) -> dict:
        """Save the records' query and gallery sides.

        Args:
            results (list[dict]): Records of every sample, in dataset order.

        Returns:
            dict: Empty.
        """
        split = split_of(results, self.normalize_features)
        query = split.is_query.numpy()
        gallery = ~query
        feats = split.feats.numpy()
        pids, camids = split.pids.numpy(), split.camids.numpy()
        os.makedirs(osp.dirname(osp.abspath(self.out_file)), exist_ok=True)
        path = save_features(self.out_file, feats[query], feats[gallery],
                             pids[query], pids[gallery], camids[query],
                             camids[gallery], split.paths[query],
                             split.paths[gallery], split.names[query],
                             split.names[gallery], self.provenance)
        print_log(f'Saved re-ID embeddings to {path}', logger='current')
        return {}
