"""Row-wise work split over the processes of the default group.

Evaluation steps whose rows are independent (distance blocks, neighbour
searches, query expansion) run on one contiguous share of the rows per
process. Shares are whole multiples of the step's row block, so every block
holds the rows it holds in a single process and gives the same numbers.
"""
from typing import Callable, List, Sequence, Tuple

import torch


def dist_info(distributed: bool) -> Tuple[int, int]:
    """``(rank, world_size)``; ``(0, 1)`` unless ``distributed``."""
    if not distributed:
        return 0, 1
    from mmengine.dist import get_dist_info
    return get_dist_info()


def row_share(num_rows: int, granule: int, rank: int,
              world_size: int) -> Tuple[int, int]:
    """This process's rows ``(start, end)``: whole blocks of ``granule``."""
    num_blocks = -(-num_rows // max(granule, 1))
    share = -(-num_blocks // world_size) * granule
    start = min(rank * share, num_rows)
    return start, min(start + share, num_rows)


def gather_rows(local: torch.Tensor, num_rows: int, granule: int,
                world_size: int) -> torch.Tensor:
    """Concatenate every process's share (see :func:`row_share`)."""
    if world_size == 1:
        return local
    from mmengine.dist import all_gather
    share = row_share(num_rows, granule, 0, world_size)[1]
    padded = local.new_zeros((share, ) + tuple(local.shape[1:]))
    padded[:len(local)] = local
    return torch.cat(all_gather(padded))[:num_rows]


def split_rows(step: Callable[[int, int], Sequence[torch.Tensor]],
               num_rows: int, granule: int,
               distributed: bool) -> List[torch.Tensor]:
    """Run ``step(start, end)`` (tensors of end - start rows) on this
    process's share and return the tensors of all rows, on every process."""
    rank, world_size = dist_info(distributed)
    if world_size == 1:
        return list(step(0, num_rows))
    start, end = row_share(num_rows, granule, rank, world_size)
    return [
        gather_rows(tensor, num_rows, granule, world_size)
        for tensor in step(start, end)
    ]
