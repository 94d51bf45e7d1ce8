"""What the re-ID metrics keep of each predicted sample, and the split the
records make."""
from typing import List, NamedTuple, Sequence

import numpy as np
import torch
from mmengine.dist import get_world_size
from mmengine.evaluator import BaseMetric

from .gather import gather_records_everywhere

# What a predicted sample must carry (the model sets pred_feature; the
# pipeline packs the rest).
SAMPLE_KEYS = ('pred_feature', 'pid', 'camid', 'is_query')


class RecordedSplit(NamedTuple):
    """The records of a test set as arrays, in dataset order (N samples).

    Attributes:
        feats (Tensor): N x D float32 embeddings.
        is_query (Tensor): N bool, True for the queries.
        pids, camids (Tensor): N int64 person and camera ids.
        paths, names (ndarray): N unicode image paths and person names
            ('' where unknown).
    """
    feats: torch.Tensor
    is_query: torch.Tensor
    pids: torch.Tensor
    camids: torch.Tensor
    paths: np.ndarray
    names: np.ndarray


class ReIDRecordMetric(BaseMetric):
    """A metric that keeps one record per predicted sample (embedding,
    pid, camid, is_query, img_path, pid_name), so that the records can be
    put back in dataset order and the distributed sampler's padding dropped
    by the data set size: 1 and N processes see the same records.

    Under several processes, :meth:`gather` gives every process every
    record (embeddings travel as tensors, not through files).
    """

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep the embedding and labels of each predicted sample.

        Args:
            data_batch: Unused.
            data_samples (Sequence[dict]): ``DataSample.to_dict()`` of the
                model's predictions.
        """
        for sample in data_samples:
            missing = [k for k in SAMPLE_KEYS if k not in sample]
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

    def gather(self, size: int) -> List[dict]:
        """Every process's records, on every process, in dataset order;
        this process's records are cleared.

        Args:
            size (int): Number of samples in the data set.
        """
        records = self.results if get_world_size() == 1 else \
            gather_records_everywhere(self.results, size)
        records = list(records[:size])
        self.results = []
        return records


def split_of(records: List[dict], normalize: bool = False) -> RecordedSplit:
    """The records as arrays.

    Args:
        records (list[dict]): Records of :class:`ReIDRecordMetric`.
        normalize (bool): L2-normalise the embeddings.

    Returns:
        RecordedSplit: The arrays, in the order of ``records``.
    """
    if not records:
        raise ValueError('no sample was evaluated: the test set is empty')
    feats = torch.stack([r['feature'] for r in records])
    if normalize:
        feats = torch.nn.functional.normalize(feats, dim=1)
    split = RecordedSplit(
        feats=feats,
        is_query=torch.tensor([r['is_query'] for r in records]),
        pids=torch.tensor([r['pid'] for r in records]),
        camids=torch.tensor([r['camid'] for r in records]),
        paths=np.array([r['img_path'] for r in records], dtype=np.str_),
        names=np.array([r.get('pid_name', '') for r in records],
                       dtype=np.str_))
    if not bool(split.is_query.any()):
        raise ValueError(f'none of the {len(records)} evaluated samples '
                         'is a query (is_query=False everywhere)')
    return split


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
