"""IdentityBalancedSampler: P x K blocks, ranks, determinism, length."""
import math
from collections import Counter

import pytest
from mmengine.dataset import BaseDataset

from mmreid_dranet.datasets import IdentityBalancedSampler
from mmreid_dranet.registry import DATA_SAMPLERS


class LabelsDataset(BaseDataset):
    """A real mmengine dataset whose data infos are only labels."""

    def __init__(self, images_per_id):
        self.images_per_id = images_per_id
        super().__init__(serialize_data=False)

    def load_data_list(self):
        return [
            dict(gt_label=label, pid=100 + label)
            for label, count in enumerate(self.images_per_id)
            for _ in range(count)
        ]


IMAGES_PER_ID = [1, 2, 3, 5, 8, 13, 4, 4, 9, 2]


def blocks_of(indices, size):
    assert len(indices) % size == 0
    return [indices[i:i + size] for i in range(0, len(indices), size)]


def test_every_block_holds_p_identities_with_k_images():
    dataset = LabelsDataset(IMAGES_PER_ID)
    sampler = IdentityBalancedSampler(dataset, num_ids=4, ins_per_id=3, seed=1,
                                      rank=0, world_size=1)
    indices = list(sampler)
    num_chunks = sum(max(1, math.ceil(n / 3)) for n in IMAGES_PER_ID)
    assert len(indices) == len(sampler) == (num_chunks // 4) * 12
    labels = [dataset.get_data_info(i)['gt_label'] for i in indices]
    for block in blocks_of(labels, 12):
        counts = Counter(block)
        assert len(counts) == 4 and set(counts.values()) == {3}
        # Each identity's K samples are consecutive (the hard-mining layout).
        assert all(len(set(block[j:j + 3])) == 1 for j in range(0, 12, 3))


def test_identity_with_fewer_images_is_drawn_with_replacement():
    dataset = LabelsDataset(IMAGES_PER_ID)
    sampler = IdentityBalancedSampler(dataset, num_ids=4, ins_per_id=3, seed=0,
                                      rank=0, world_size=1)
    seen_single = False
    for epoch in range(10):
        sampler.set_epoch(epoch)
        for block in blocks_of(list(sampler), 12):
            if 0 in block:  # label 0 owns index 0 only
                assert block.count(0) == 3
                seen_single = True
    assert seen_single


def test_ranks_get_disjoint_blocks_of_equal_number():
    # 12 identities x 3 images, P=4, K=3, 3 ranks: one block each, so the
    # three ranks must split the 36 images exactly.
    dataset = LabelsDataset([3] * 12)
    per_rank = [
        list(IdentityBalancedSampler(dataset, 4, 3, seed=5, rank=rank,
                                     world_size=3)) for rank in range(3)
    ]
    assert [len(indices) for indices in per_rank] == [12, 12, 12]
    assert sorted(sum(per_rank, [])) == list(range(36))


def test_ranks_differ_on_uneven_data():
    dataset = LabelsDataset(IMAGES_PER_ID)
    samplers = [IdentityBalancedSampler(dataset, 2, 2, seed=3, rank=r,
                                        world_size=2) for r in range(2)]
    first, second = (list(s) for s in samplers)
    assert len(first) == len(second) == len(samplers[0])
    assert first != second


def test_same_seed_and_epoch_give_the_same_order():
    dataset = LabelsDataset(IMAGES_PER_ID)
    a = IdentityBalancedSampler(dataset, 4, 2, seed=7, rank=0, world_size=1)
    b = IdentityBalancedSampler(dataset, 4, 2, seed=7, rank=0, world_size=1)
    a.set_epoch(3)
    b.set_epoch(3)
    assert list(a) == list(b)
    b.set_epoch(4)
    assert list(a) != list(b)
    b.set_epoch(3)
    assert list(a) == list(b)
    other_seed = IdentityBalancedSampler(dataset, 4, 2, seed=8, rank=0,
                                         world_size=1)
    other_seed.set_epoch(3)
    assert list(other_seed) != list(a)


def test_no_shuffle_walks_identities_in_order():
    dataset = LabelsDataset([2, 2, 2, 2])
    sampler = IdentityBalancedSampler(dataset, 2, 2, shuffle=False, rank=0,
                                      world_size=1)
    assert list(sampler) == [0, 1, 2, 3, 4, 5, 6, 7]


def test_batch_size_and_too_few_identities():
    dataset = LabelsDataset([2, 2, 2])
    sampler = DATA_SAMPLERS.build(
        dict(type='IdentityBalancedSampler', num_ids=2, ins_per_id=4),
        default_args=dict(dataset=dataset, seed=0))
    assert sampler.batch_size == 8
    with pytest.raises(ValueError, match='3 identities, fewer than num_ids=4'):
        IdentityBalancedSampler(dataset, 4, 2, seed=0)
    with pytest.raises(ValueError, match='rank 2'):
        IdentityBalancedSampler(dataset, 2, 2, seed=0, rank=2, world_size=2)
