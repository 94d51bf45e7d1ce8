"""Market-1501, DukeMTMC-reID and CUHK03-NP read from tiny real-layout
folders of real image files."""
import os.path as osp

import pytest

from mmreid_dranet.datasets import CUHK03, DukeMTMCReID, Market1501
from mmreid_dranet.registry import DATASETS

MARKET_FILES = {
    'bounding_box_train': [
        '0007_c2s1_000101_01.jpg', '0002_c1s1_000451_03.jpg',
        '0007_c5s2_000201_02.jpg', '0002_c3s1_000551_01.jpg',
        '0011_c6s1_000601_01.jpg'
    ],
    'query': ['0003_c1s1_001051_00.jpg', '0004_c2s1_001151_00.jpg'],
    'bounding_box_test': [
        '0003_c4s1_000151_01.jpg', '0004_c2s1_000251_02.jpg',
        '0000_c1s1_000301_01.jpg', '-1_c1s1_000401_03.jpg'
    ],
}


def make_folders(root, files, write_image):
    for folder, names in files.items():
        for i, name in enumerate(names):
            write_image(osp.join(root, folder, name), seed=i)


@pytest.fixture
def market_root(tmp_path, write_image):
    make_folders(str(tmp_path), MARKET_FILES, write_image)
    # Market-1501's folders hold Thumbs.db files: ignored, not an error.
    (tmp_path / 'query' / 'Thumbs.db').write_bytes(b'\0')
    return str(tmp_path)


def test_market_train_relabels_in_sorted_pid_order(market_root):
    ds = Market1501(market_root, split='train')
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    # Files are read in sorted name order.
    assert [osp.basename(d['img_path']) for d in infos] == sorted(
        MARKET_FILES['bounding_box_train'])
    assert [(d['pid'], d['camid'], d['gt_label']) for d in infos] == [
        (2, 0, 0), (2, 2, 0), (7, 1, 1), (7, 4, 1), (11, 5, 2)]
    assert all(osp.isabs(d['img_path']) and 'is_query' not in d
               for d in infos)
    assert ds.metainfo == dict(
        dataset_name='Market-1501', num_ids=3, num_cams=5, split='train',
        cameras_known=True)


def test_market_test_is_query_then_gallery_without_junk(market_root):
    ds = Market1501(market_root, split='test')
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert [(d['pid'], d['camid'], d['is_query']) for d in infos] == [
        (3, 0, True), (4, 1, True),
        (0, 0, False), (3, 3, False), (4, 1, False)]
    assert all('gt_label' not in d for d in infos)
    # The distractor pid 0 is no identity of num_ids.
    assert ds.metainfo == dict(
        dataset_name='Market-1501', num_ids=2, num_cams=3, split='test',
        num_query=2, num_gallery=3, cameras_known=True)


def test_market_query_and_gallery_splits_alone(market_root):
    query = Market1501(market_root, split='query')
    gallery = Market1501(market_root, split='gallery')
    assert [query.get_data_info(i)['is_query'] for i in range(2)] == [True] * 2
    assert len(gallery) == 3
    assert not any(gallery.get_data_info(i)['is_query'] for i in range(3))


def test_duke_names(tmp_path, write_image):
    make_folders(
        str(tmp_path), {
            'bounding_box_train':
            ['0001_c2_f0046182.jpg', '0005_c8_f0000001.jpg'],
            'query': ['0002_c1_f0044158.jpg'],
            'bounding_box_test':
            ['0002_c3_f0000010.jpg', '0009_c7_f0000020.jpg']
        }, write_image)
    train = DATASETS.build(
        dict(type='DukeMTMCReID', data_root=str(tmp_path), split='train'))
    assert isinstance(train, DukeMTMCReID)
    assert [(train.get_data_info(i)['pid'], train.get_data_info(i)['camid'])
            for i in range(2)] == [(1, 1), (5, 7)]
    test = DukeMTMCReID(str(tmp_path), split='test')
    assert test.metainfo['num_ids'] == 2 and test.metainfo['num_query'] == 1


@pytest.mark.parametrize('subset', ['labeled', 'detected'])
def test_cuhk03_subsets_read_their_own_folder(tmp_path, write_image, subset):
    for name, pid in (('labeled', 1), ('detected', 5)):
        make_folders(
            str(tmp_path / name), {
                'bounding_box_train': [f'{pid:04d}_c1_1.png',
                                       f'{pid:04d}_c2_3.png',
                                       f'{pid + 1:04d}_c1_2.png'],
                'query': ['0100_c1_1.png'],
                'bounding_box_test': ['0100_c2_2.png']
            }, write_image)
    ds = CUHK03(str(tmp_path), subset=subset, split='train')
    expected_pid = 1 if subset == 'labeled' else 5
    assert [(ds.get_data_info(i)['pid'], ds.get_data_info(i)['camid'],
             ds.get_data_info(i)['gt_label']) for i in range(2)] == [
                 (expected_pid, 0, 0), (expected_pid, 1, 0)]
    assert f'{osp.sep}{subset}{osp.sep}' in ds.get_data_info(0)['img_path']
    assert ds.metainfo['dataset_name'] == f'CUHK03-NP-{subset}'


def test_cuhk03_rejects_unknown_subset(tmp_path):
    with pytest.raises(ValueError, match="'both'"):
        CUHK03(str(tmp_path), subset='both')


def test_unknown_split_is_named(market_root):
    with pytest.raises(ValueError, match="'val'"):
        Market1501(market_root, split='val')
