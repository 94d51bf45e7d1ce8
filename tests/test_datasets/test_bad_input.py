"""Bad input gives a clear error naming the file, folder or value."""
import argparse
import os.path as osp
import re
import warnings

import cv2
import numpy as np
import pytest
from mmengine.config import Config, DictAction
from torch.utils.data import DataLoader

from mmreid_dranet.datasets import (CorruptImageError, DataLayoutError,
                                    Market1501)
from mmreid_dranet.datasets.image_integrity import image_bytes_problem
from mmreid_dranet.datasets.transforms import StrictLoadImageFromFile
from mmreid_dranet.registry import DATASETS

GOOD = {
    'bounding_box_train': [
        '0002_c1s1_000451_03.jpg', '0003_c2s1_000451_03.jpg',
        '0004_c1s1_000451_03.jpg'
    ],
    'query': ['0005_c1s1_001051_00.jpg'],
    'bounding_box_test': ['0005_c2s1_000151_01.jpg'],
}


@pytest.fixture
def market_root(tmp_path, write_image):
    for folder, names in GOOD.items():
        for name in names:
            write_image(tmp_path / folder / name, height=32, width=16)
    return tmp_path


def truncate(path, keep=0.6):
    data = open(path, 'rb').read()
    with open(path, 'wb') as f:
        f.write(data[:int(len(data) * keep)])


def test_missing_root_names_path_and_layout(tmp_path):
    missing = str(tmp_path / 'nowhere')
    with pytest.raises(DataLayoutError) as error:
        Market1501(missing)
    assert missing in str(error.value)
    assert 'bounding_box_train/' in str(error.value)


def test_missing_split_folder_names_it(market_root):
    (market_root / 'query' / GOOD['query'][0]).unlink()
    (market_root / 'query').rmdir()
    with pytest.raises(DataLayoutError) as error:
        Market1501(str(market_root), split='test')
    assert osp.join(str(market_root), 'query') in str(error.value)
    assert 'Expected layout' in str(error.value)


def test_file_name_off_pattern_is_named(market_root, write_image):
    write_image(market_root / 'bounding_box_train' / 'person_7.jpg')
    with pytest.raises(ValueError, match=r'person_7\.jpg'):
        Market1501(str(market_root))


def test_empty_split_is_an_error(market_root):
    for name in GOOD['query']:
        (market_root / 'query' / name).unlink()
    with pytest.raises(ValueError, match="'query' part .* no usable images"):
        Market1501(str(market_root), split='query')


def test_split_of_junk_only_is_empty(market_root, write_image):
    (market_root / 'query' / GOOD['query'][0]).unlink()
    write_image(market_root / 'query' / '-1_c1s1_000401_03.jpg')
    with pytest.raises(ValueError, match='no usable images'):
        Market1501(str(market_root), split='query')


def test_truncated_jpeg_decodes_silently_with_plain_cv2(market_root):
    # The reason for the strict loader: cv2 hides the damage.
    path = str(market_root / 'query' / GOOD['query'][0])
    truncate(path)
    assert cv2.imread(path) is not None


@pytest.mark.parametrize('suffix', ['.jpg', '.png'])
def test_strict_loader_names_a_truncated_file(tmp_path, write_image, suffix):
    path = str(tmp_path / f'x{suffix}')
    pixels = write_image(path, height=32, width=16)
    loaded = StrictLoadImageFromFile()(dict(img_path=path))
    np.testing.assert_array_equal(loaded['img'], pixels)
    assert loaded['ori_shape'] == (32, 16)
    truncate(path)
    with pytest.raises(CorruptImageError, match=f'x\\{suffix}: truncated'):
        StrictLoadImageFromFile()(dict(img_path=path))


def test_strict_loader_names_garbage_and_empty_files(tmp_path):
    garbage, empty = tmp_path / 'garbage.jpg', tmp_path / 'empty.jpg'
    garbage.write_bytes(b'not an image at all')
    empty.write_bytes(b'')
    with pytest.raises(CorruptImageError, match=r'garbage\.jpg.*decoded'):
        StrictLoadImageFromFile()(dict(img_path=str(garbage)))
    with pytest.raises(CorruptImageError, match=r'empty\.jpg.*empty'):
        StrictLoadImageFromFile()(dict(img_path=str(empty)))


def test_strict_loader_refuses_ignore_empty():
    with pytest.raises(ValueError, match='ignore_empty'):
        StrictLoadImageFromFile(ignore_empty=True)


def test_padding_after_jpeg_end_marker_is_accepted(tmp_path, write_image):
    path = tmp_path / 'padded.jpg'
    write_image(path)
    data = path.read_bytes()
    assert image_bytes_problem(data + b'\0' * 8) is None
    assert image_bytes_problem(data[:-2]) is not None


def test_dataset_pipeline_raises_on_a_corrupt_image(market_root):
    path = str(market_root / 'bounding_box_train' /
               GOOD['bounding_box_train'][1])
    truncate(path)
    ds = Market1501(str(market_root), pipeline=[
        dict(type='StrictLoadImageFromFile')])
    assert ds[0]['img'].shape == (32, 16, 3)
    with pytest.raises(CorruptImageError, match='0003_c2s1_000451_03'):
        ds[1]


def test_corrupt_image_in_a_loader_worker_names_file_and_ready_fix(
        market_root):
    """The error that reaches the training process through a DataLoader
    worker names the file and a --cfg-options line that, given to the
    config, leaves the file out."""
    path = str(market_root / 'bounding_box_train' /
               GOOD['bounding_box_train'][1])
    truncate(path)
    cfg = Config(dict(train_dataloader=dict(dataset=dict(
        type='Market1501', data_root=str(market_root),
        pipeline=[dict(type='StrictLoadImageFromFile')]))))
    loader = DataLoader(DATASETS.build(cfg.train_dataloader.dataset),
                        batch_size=3, num_workers=1, collate_fn=list)
    with pytest.raises(CorruptImageError) as error:
        next(iter(loader))
    message = str(error.value)
    assert f'Corrupt image file {path}: truncated JPEG' in message
    option = re.search(r'--cfg-options (\S+)', message).group(1)
    assert option == 'train_dataloader.dataset.image_check=skip'
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    cfg.merge_from_dict(parser.parse_args(
        ['--cfg-options', option]).cfg_options)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
    assert any(path in str(w.message) for w in caught)
    assert [d['img_path'] for d in next(iter(DataLoader(
        dataset, batch_size=3, collate_fn=list)))] == [
            str(market_root / 'bounding_box_train' / name)
            for name in GOOD['bounding_box_train'] if name not in path]


def test_image_check_raise_lists_bad_files_at_init(market_root):
    path = str(market_root / 'bounding_box_train' /
               GOOD['bounding_box_train'][0])
    truncate(path)
    with pytest.raises(ValueError, match='(?s)1 corrupt.*0002_c1s1_000451_03'
                       '.*image_check=skip'):
        Market1501(str(market_root), image_check='raise')


def test_image_check_skip_warns_with_names_and_count(market_root):
    bad = GOOD['bounding_box_train'][0]
    truncate(str(market_root / 'bounding_box_train' / bad))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        ds = Market1501(str(market_root), image_check='skip')
    messages = [str(w.message) for w in caught]
    assert any('skipping 1 corrupt' in m and bad in m for m in messages)
    assert len(ds) == 2 and ds.get_data_info(0)['pid'] == 3
    assert ds.get_data_info(0)['gt_label'] == 0


def test_training_split_of_one_identity_is_named(market_root):
    for name in GOOD['bounding_box_train'][1:]:
        (market_root / 'bounding_box_train' / name).unlink()
    with pytest.raises(ValueError, match=r'bounding_box_train|single '
                       r"identity \(2\): an identity classifier needs at "
                       'least 2'):
        Market1501(str(market_root), split='train')


def test_bad_names_are_collected_on_request(market_root, write_image):
    for name in ('person.jpg', '12_c1.jpg'):
        write_image(market_root / 'bounding_box_train' / name)
    with pytest.raises(ValueError, match='12_c1.jpg'):
        Market1501(str(market_root), split='train')
    ds = Market1501(str(market_root), split='train', on_bad_name='collect')
    assert len(ds) == 3
    assert len(ds.bad_names) == 2
    assert all('does not match the pattern' in m for m in ds.bad_names)
    assert any('person.jpg' in m for m in ds.bad_names)


def test_unknown_image_check_is_named(market_root):
    with pytest.raises(ValueError, match="'sometimes'"):
        Market1501(str(market_root), image_check='sometimes')
