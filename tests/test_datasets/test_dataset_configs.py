"""The dataset configs build their datasets and loaders on tiny folders."""
import os.path as osp
from collections import Counter

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from mmreid_dranet.registry import DATASETS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_DIR = osp.join(REPO, 'configs', '_base_', 'datasets')


def tiny_folders(root, write_image, kind):
    """Write a two-identity folder in the layout of one data set."""
    names = dict(
        market=('0001_c1s1_000001_00.jpg', '0001_c2s1_000002_00.jpg',
                '0002_c1s1_000003_00.jpg', '0002_c3s1_000004_00.jpg'),
        duke=('0001_c1_f0000001.jpg', '0001_c2_f0000002.jpg',
              '0002_c1_f0000003.jpg', '0002_c3_f0000004.jpg'),
        cuhk=('0001_c1_1.png', '0001_c2_1.png', '0002_c1_1.png',
              '0002_c2_1.png'))[kind]
    subsets = ('labeled', 'detected') if kind == 'cuhk' else ('', )
    for subset in subsets:
        for folder in ('bounding_box_train', 'query', 'bounding_box_test'):
            for i, name in enumerate(names):
                write_image(osp.join(root, subset, folder, name), seed=i)


def tiny_msmt(root, write_image):
    lines = dict(train='0000/0000_000_01_0303morning_0001_0.jpg 0',
                 val='0001/0001_000_02_0303morning_0002_0.jpg 1',
                 query='0000/0000_000_01_0303morning_0003_0.jpg 0',
                 gallery='0000/0000_000_02_0303morning_0004_0.jpg 0')
    for part, line in lines.items():
        with open(osp.join(root, f'list_{part}.txt'), 'w') as f:
            f.write(line + '\n')
        folder = 'train' if part in ('train', 'val') else 'test'
        write_image(osp.join(root, folder, line.split()[0]))


@pytest.mark.parametrize('config, kind, dataset_type', [
    ('market1501.py', 'market', 'Market1501'),
    ('dukemtmcreid.py', 'duke', 'DukeMTMCReID'),
    ('cuhk03_labeled.py', 'cuhk', 'CUHK03'),
    ('cuhk03_detected.py', 'cuhk', 'CUHK03'),
    ('msmt17.py', 'msmt', 'MSMT17'),
])
def test_config_builds_train_and_test_sets(tmp_path, write_image, config,
                                           kind, dataset_type):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, config))
    if kind == 'msmt':
        tiny_msmt(str(tmp_path), write_image)
    else:
        tiny_folders(str(tmp_path), write_image, kind)
    assert cfg.val_evaluator.type == 'ReIDMetric'
    assert cfg.test_evaluator == cfg.val_evaluator
    assert cfg.train_dataloader.sampler.type == 'IdentityBalancedSampler'
    # The batch size is derived from the sampler (ReIDRunner), not written.
    assert 'batch_size' not in cfg.train_dataloader
    built = {}
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset_cfg = cfg[key].dataset
        assert dataset_cfg.type == dataset_type
        assert not osp.isabs(dataset_cfg.data_root)  # the download folder
        dataset_cfg.data_root = str(tmp_path)
        built[key] = DATASETS.build(dataset_cfg)
    assert built['train_dataloader'].metainfo['num_ids'] == 2
    assert built['test_dataloader'].metainfo['split'] == 'test'
    if kind == 'cuhk':
        subset = config[len('cuhk03_'):-len('.py')]
        assert built['train_dataloader'].subset == subset
    train_sample = built['train_dataloader'][0]
    assert train_sample['inputs'].shape == (3, 384, 128)
    assert train_sample['inputs'].dtype == torch.uint8
    test_sample = built['test_dataloader'][0]
    assert test_sample['data_samples'].is_query is True
    assert test_sample['data_samples'].img_path.startswith(str(tmp_path))


def test_market_config_dataloaders_through_the_runner(synthetic_market_root):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, 'market1501.py'))
    loader_cfg = cfg.train_dataloader
    loader_cfg.update(num_workers=0, persistent_workers=False, batch_size=8)
    loader_cfg.sampler.update(num_ids=4, ins_per_id=2)
    loader_cfg.dataset.data_root = synthetic_market_root
    with DefaultScope.overwrite_default_scope('mmreid_dranet'):
        loader = Runner.build_dataloader(loader_cfg, seed=0)
        batch = next(iter(loader))
        assert torch.stack(batch['inputs']).shape == (8, 3, 384, 128)
        samples = batch['data_samples']
        labels = [int(s.gt_label) for s in samples]
        assert sorted(Counter(labels).values()) == [2, 2, 2, 2]
        train_set = loader.dataset
        for s in samples:  # gt_label is the relabelled pid of the sample
            info = train_set.get_data_info(s.sample_idx)
            assert (s.pid, s.camid, int(s.gt_label)) == (
                info['pid'], info['camid'], info['gt_label'])
        val_cfg = cfg.val_dataloader
        val_cfg.update(num_workers=0, persistent_workers=False, batch_size=4)
        val_cfg.dataset.data_root = synthetic_market_root
        val_loader = Runner.build_dataloader(val_cfg, seed=0)
        marks = [s.is_query for b in val_loader for s in b['data_samples']]
    test_set = val_loader.dataset
    assert len(marks) == len(test_set)
    assert marks.index(False) == test_set.metainfo['num_query']
    assert not any(marks[test_set.metainfo['num_query']:])
