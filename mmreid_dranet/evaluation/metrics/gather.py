"""Every process's metric records, in dataset order, on every process."""
from typing import List

import torch
from mmengine.dist import all_gather, all_gather_object


def gather_records_everywhere(records: List[dict], size: int) -> List[dict]:
    """The records of all processes, on all processes, in dataset order.

    The order and the padding rule are those of mmengine's
    ``collect_results``: process r holds samples r, r + W, r + 2W... of the
    (padded) dataset; the first ``size`` records are kept. Embeddings travel
    as one tensor per process (not pickled), the rest as objects.

    Args:
        records (list[dict]): This process's records, each with a 1-D
            ``'feature'`` tensor.
        size (int): Number of samples in the data set.

    Returns:
        list[dict]: ``size`` records.
    """
    meta = [{k: v for k, v in r.items() if k != 'feature'} for r in records]
    parts = all_gather_object(meta)
    counts = [len(part) for part in parts]
    dim = records[0]['feature'].numel() if records else 0
    dims = all_gather_object(dim)
    dim = max(dims)
    local = torch.zeros(max(counts), dim)
    if records:
        local[:len(records)] = torch.stack([r['feature'] for r in records])
    feats = torch.stack(all_gather(local), dim=1)  # max_count x W x D
    kept = min(counts)  # zip() in collect_results stops at the shortest
    ordered = []
    for i in range(kept):
        for rank, part in enumerate(parts):
            ordered.append(dict(part[i], feature=feats[i, rank]))
    return ordered[:size]
