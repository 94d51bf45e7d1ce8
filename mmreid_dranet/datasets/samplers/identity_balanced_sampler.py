"""P x K sampling: each batch holds P identities with K images each."""
import math
from collections import defaultdict
from typing import Dict, Iterator, List, Optional

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from mmreid_dranet.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class IdentityBalancedSampler(Sampler):
    """Yield indices in blocks of ``num_ids`` identities x ``ins_per_id``
    images, the batches that identity losses and hard mining need.

    Every consecutive block of ``num_ids * ins_per_id`` indices holds exactly
    ``num_ids`` distinct identities with ``ins_per_id`` samples each, so the
    per-rank batch size must equal ``num_ids * ins_per_id`` (``ReIDRunner``
    sets it so; ``SamplerBatchCheckHook`` stops a run whose config says
    otherwise). One epoch walks through each identity's images once, in
    chunks of ``ins_per_id`` (a short last chunk, or an identity with fewer
    images, is filled by drawing its images again); blocks are then made of
    chunks of distinct identities. The epoch has
    ``floor(num_chunks / (num_ids * world_size))`` blocks per rank (at least
    one): every rank gets as many, and different ones. The order depends only
    on ``seed`` and the epoch set by :meth:`set_epoch`.

    Args:
        dataset (BaseDataset): A dataset whose data infos carry ``gt_label``
            (or ``pid``).
        num_ids (int): Identities per block (P).
        ins_per_id (int): Images per identity in a block (K).
        shuffle (bool): Shuffle identities and images. False gives a fixed
            order (identities and images in dataset order). Defaults to True.
        seed (int, optional): Random seed, the same on every rank. None draws
            one and shares it across ranks. Defaults to None.
        rank (int, optional): This process's rank; None asks
            ``mmengine.dist.get_dist_info``. Defaults to None.
        world_size (int, optional): Number of ranks; None asks
            ``get_dist_info``. Defaults to None.
    """

    def __init__(self,
                 dataset: BaseDataset,
                 num_ids: int,
                 ins_per_id: int,
                 shuffle: bool = True,
                 seed: Optional[int] = None,
                 rank: Optional[int] = None,
                 world_size: Optional[int] = None) -> None:
        if num_ids < 1 or ins_per_id < 1:
            raise ValueError('IdentityBalancedSampler: num_ids and ins_per_id '
                             f'must be >= 1, got {num_ids} and {ins_per_id}.')
        dist_rank, dist_world_size = get_dist_info()
        self.rank = dist_rank if rank is None else rank
        self.world_size = dist_world_size if world_size is None else world_size
        if not 0 <= self.rank < self.world_size:
            raise ValueError(f'IdentityBalancedSampler: rank {self.rank} is '
                             f'not in [0, {self.world_size}).')
        self.dataset = dataset
        self.num_ids = num_ids
        self.ins_per_id = ins_per_id
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0
        self.indices_of_id = self._group_by_identity(dataset)
        if len(self.indices_of_id) < num_ids:
            raise ValueError(
                f'IdentityBalancedSampler: the dataset has '
                f'{len(self.indices_of_id)} identities, fewer than '
                f'num_ids={num_ids}.')
        num_chunks = sum(
            max(1, math.ceil(len(indices) / ins_per_id))
            for indices in self.indices_of_id.values())
        self.blocks_per_rank = max(1,
                                   num_chunks // (num_ids * self.world_size))

    @property
    def batch_size(self) -> int:
        """The per-rank batch size this sampler is made for."""
        return self.num_ids * self.ins_per_id

    @staticmethod
    def _group_by_identity(dataset) -> Dict[int, List[int]]:
        indices_of_id = defaultdict(list)
        for idx in range(len(dataset)):
            info = dataset.get_data_info(idx)
            indices_of_id[info.get('gt_label', info.get('pid'))].append(idx)
        if None in indices_of_id:
            raise KeyError('IdentityBalancedSampler: the data infos have '
                           'neither gt_label nor pid.')
        return dict(sorted(indices_of_id.items()))

    def _identity_chunks(self, rng: Optional[np.random.Generator]):
        """Cut each identity's images into chunks of ins_per_id indices."""
        k = self.ins_per_id
        chunks = {}
        for pid, indices in self.indices_of_id.items():
            order = np.asarray(indices)
            if rng is not None:
                order = rng.permutation(order)
            short = -len(order) % k
            if short:
                fill = rng.choice(order, short, replace=short > len(order)) \
                    if rng is not None else np.resize(order, short)
                order = np.concatenate([order, fill])
            chunks[pid] = list(order.reshape(-1, k))
        return chunks

    def _blocks(self, rng: Optional[np.random.Generator],
                num_blocks: int) -> List[np.ndarray]:
        """Make num_blocks blocks of num_ids distinct identities' chunks.

        When fewer than num_ids identities have chunks left, every identity
        is cut into fresh chunks again (a new pass over the data).
        """
        blocks = []
        chunks = self._identity_chunks(rng)
        while len(blocks) < num_blocks:
            ready = [pid for pid, left in chunks.items() if left]
            if len(ready) < self.num_ids:
                chunks = self._identity_chunks(rng)
                continue
            chosen = rng.choice(ready, self.num_ids, replace=False) \
                if rng is not None else ready[:self.num_ids]
            blocks.append(np.concatenate([chunks[pid].pop(0)
                                          for pid in chosen]))
        return blocks

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng(self.seed + self.epoch) \
            if self.shuffle else None
        blocks = self._blocks(rng, self.blocks_per_rank * self.world_size)
        mine = blocks[self.rank::self.world_size]
        return iter(np.concatenate(mine).tolist())

    def __len__(self) -> int:
        return self.blocks_per_rank * self.batch_size

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, which (with the seed) fixes the order.

        Args:
            epoch (int): The epoch number.
        """
        self.epoch = epoch
