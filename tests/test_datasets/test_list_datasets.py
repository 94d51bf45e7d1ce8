"""MSMT17 (list files, v1 and v2 layouts) and CustomReIDDataset."""
import os.path as osp

import pytest

from mmreid_dranet.datasets import MSMT17, CustomReIDDataset

MSMT_LISTS = {
    'list_train.txt': ['0000/0000_000_01_0303morning_0015_0.jpg 0',
                       '0001/0001_004_05_0303noon_0020_1.jpg 1'],
    'list_val.txt': ['0001/0001_007_15_0303noon_0031_0.jpg 1',
                     '0002/0002_000_02_0303afternoon_0001_0.jpg 2'],
    'list_query.txt': ['0000/0000_000_03_0303morning_0016_0.jpg 0'],
    'list_gallery.txt': ['0000/0000_001_07_0303morning_0017_0.jpg 0',
                         '0001/0001_000_03_0303morning_0100_0.jpg 1'],
}


def make_msmt(root, write_image, layout):
    train_dir, test_dir = dict(
        v1=('train', 'test'), v2=('mask_train_v2', 'mask_test_v2'))[layout]
    for list_name, lines in MSMT_LISTS.items():
        image_dir = train_dir if list_name in ('list_train.txt',
                                               'list_val.txt') else test_dir
        with open(osp.join(root, list_name), 'w') as f:
            f.write('\n'.join(lines) + '\n')
        for i, line in enumerate(lines):
            write_image(osp.join(root, image_dir, line.split()[0]), seed=i)


@pytest.mark.parametrize('layout', ['v1', 'v2'])
def test_msmt17_train_merges_val_and_reads_camera_from_name(
        tmp_path, write_image, layout):
    make_msmt(str(tmp_path), write_image, layout)
    ds = MSMT17(str(tmp_path), split='train')
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert [(d['pid'], d['camid'], d['gt_label']) for d in infos] == [
        (0, 0, 0), (1, 4, 1), (1, 14, 1), (2, 1, 2)]
    folder = 'train' if layout == 'v1' else 'mask_train_v2'
    assert infos[3]['img_path'] == osp.join(
        str(tmp_path), folder, '0002/0002_000_02_0303afternoon_0001_0.jpg')
    assert ds.metainfo['num_ids'] == 3


def test_msmt17_without_val_and_test_split(tmp_path, write_image):
    make_msmt(str(tmp_path), write_image, 'v1')
    train = MSMT17(str(tmp_path), split='train', merge_val=False, layout='v1')
    assert len(train) == 2
    test = MSMT17(str(tmp_path), split='test')
    assert [(test.get_data_info(i)['pid'], test.get_data_info(i)['camid'],
             test.get_data_info(i)['is_query']) for i in range(3)] == [
                 (0, 2, True), (0, 6, False), (1, 2, False)]


def test_msmt17_missing_layout_and_listed_file(tmp_path, write_image):
    make_msmt(str(tmp_path), write_image, 'v1')
    with pytest.raises(FileNotFoundError, match='mask_train_v2'):
        MSMT17(str(tmp_path), layout='v2')
    with open(tmp_path / 'list_query.txt', 'a') as f:
        f.write('0009/0009_000_01_0303morning_0001_0.jpg 9\n')
    with pytest.raises(FileNotFoundError,
                       match=r'0009_000_01_0303morning_0001_0\.jpg'):
        MSMT17(str(tmp_path), split='query')


def test_msmt17_bad_list_line_names_file_and_line(tmp_path, write_image):
    make_msmt(str(tmp_path), write_image, 'v1')
    with open(tmp_path / 'list_gallery.txt', 'a') as f:
        f.write('0001/0001_000_03_0303morning_0100_0.jpg one\n')
    with pytest.raises(ValueError, match=r'list_gallery\.txt, line 3'):
        MSMT17(str(tmp_path), split='gallery')


def write_list(path, lines):
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def test_custom_list_files_with_camera_ids(tmp_path, write_image):
    for name in ('a.jpg', 'b.jpg', 'c.png', 'd.jpg', 'e.jpg'):
        write_image(tmp_path / 'images' / name)
    write_list(tmp_path / 'train.txt',
               ['# path pid camid', 'images/a.jpg 10 0', 'images/b.jpg 4 2'])
    write_list(tmp_path / 'query.txt', ['images/c.png 7 1'])
    write_list(tmp_path / 'gallery.txt',
               ['images/d.jpg 7 3', '', 'images/e.jpg 8 1'])
    files = dict(train='train.txt', query='query.txt', gallery='gallery.txt')
    train = CustomReIDDataset(str(tmp_path), ann_files=files, split='train')
    assert [(train.get_data_info(i)['pid'], train.get_data_info(i)['camid'],
             train.get_data_info(i)['gt_label']) for i in range(2)] == [
                 (10, 0, 1), (4, 2, 0)]
    test = CustomReIDDataset(
        str(tmp_path), ann_files=files, split='test', dataset_name='mine')
    assert [(test.get_data_info(i)['pid'], test.get_data_info(i)['camid'])
            for i in range(3)] == [(7, 1), (7, 3), (8, 1)]
    assert test.metainfo['dataset_name'] == 'mine'


def test_custom_lists_without_camera_put_query_and_gallery_apart(
        tmp_path, write_image):
    for name in ('q.jpg', 'g1.jpg', 'g2.jpg'):
        write_image(tmp_path / name)
    write_list(tmp_path / 'q.txt', ['q.jpg 1'])
    write_list(tmp_path / 'g.txt', ['g1.jpg 1', 'g2.jpg 2'])
    files = dict(query='q.txt', gallery='g.txt')
    ds = CustomReIDDataset(str(tmp_path), ann_files=files, split='test')
    camids = [ds.get_data_info(i)['camid'] for i in range(3)]
    pids = [ds.get_data_info(i)['pid'] for i in range(3)]
    # The protocol removes gallery items with the query's pid AND camera:
    # with these defaults the true match g1 survives.
    removed = [g for g in (1, 2) if pids[g] == pids[0]
               and camids[g] == camids[0]]
    assert camids == [0, 1, 1] and removed == []


def test_custom_list_mixing_camera_presence_is_an_error(
        tmp_path, write_image):
    for name in ('q.jpg', 'g.jpg'):
        write_image(tmp_path / name)
    write_list(tmp_path / 'q.txt', ['q.jpg 1 0'])
    write_list(tmp_path / 'g.txt', ['g.jpg 1'])
    with pytest.raises(ValueError, match='camid on some lines'):
        CustomReIDDataset(
            str(tmp_path), ann_files=dict(query='q.txt', gallery='g.txt'),
            split='test')


def test_custom_identity_folders(tmp_path, write_image):
    for part, pid, name in (('train', '3', 'x.jpg'), ('train', '3', 'y.jpg'),
                            ('train', '12', 'z.jpg'), ('query', '5', 'q.jpg'),
                            ('gallery', '5', 'g.jpg')):
        write_image(tmp_path / part / pid / name)
    train = CustomReIDDataset(str(tmp_path), split='train')
    assert [(train.get_data_info(i)['pid'], train.get_data_info(i)['gt_label'])
            for i in range(3)] == [(12, 1), (3, 0), (3, 0)]
    test = CustomReIDDataset(str(tmp_path), split='test')
    assert [test.get_data_info(i)['camid'] for i in range(2)] == [0, 1]


def test_custom_loose_image_is_an_error(tmp_path, write_image):
    write_image(tmp_path / 'train' / 'loose.jpg')
    with pytest.raises(ValueError, match=r'loose\.jpg'):
        CustomReIDDataset(str(tmp_path), split='train')
