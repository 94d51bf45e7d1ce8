"""Identities named by words, list-file problems, and joint training sets."""
import os
import os.path as osp
import warnings

import pytest

from mmreid_dranet.datasets import (CustomReIDDataset, JointReIDDataset,
                                    Market1501)
from mmreid_dranet.utils import load_config, set_data_root
from tests.helpers import REPO
from tests.helpers.named_data import named_folders_from_market


def test_named_folders_map_to_sorted_names_on_every_split(
        synthetic_market_root, tmp_path):
    name_of = named_folders_from_market(synthetic_market_root, str(tmp_path))
    train = CustomReIDDataset(str(tmp_path), split='train')
    test = CustomReIDDataset(str(tmp_path), split='test')
    all_names = sorted(name_of.values())
    train_infos = [train.get_data_info(i) for i in range(len(train))]
    train_names = sorted({d['pid_name'] for d in train_infos})
    for info in train_infos:
        # pid: position among every name on disk; label: among train names.
        assert info['pid'] == all_names.index(info['pid_name'])
        assert info['gt_label'] == train_names.index(info['pid_name'])
        assert osp.basename(osp.dirname(info['img_path'])) == \
            info['pid_name']
    test_infos = [test.get_data_info(i) for i in range(len(test))]
    assert {d['pid'] for d in test_infos} == {
        all_names.index(d['pid_name']) for d in test_infos}
    # The same name has the same pid in query and gallery.
    query = {d['pid_name']: d['pid'] for d in test_infos if d['is_query']}
    gallery = {d['pid_name']: d['pid'] for d in test_infos
               if not d['is_query']}
    assert query and all(gallery[name] == pid for name, pid in query.items())
    assert train.metainfo['num_ids'] == len(train_names)


def test_integer_folders_keep_their_numbers(tmp_path, write_image):
    for pid in ('0007', '0012'):
        write_image(tmp_path / 'train' / pid / 'a.jpg')
    ds = CustomReIDDataset(str(tmp_path), split='train')
    assert [ds.get_data_info(i)['pid'] for i in range(2)] == [7, 12]
    assert 'pid_name' not in ds.get_data_info(0)


def test_named_list_files(tmp_path, write_image):
    for name in ('a.jpg', 'b.jpg', 'c.jpg', 'd.jpg'):
        write_image(tmp_path / 'img' / name)
    (tmp_path / 'train.txt').write_text(
        'img/a.jpg 0001_b\nimg/b.jpg 0001_a\nimg/c.jpg 0001_b\n')
    (tmp_path / 'query.txt').write_text('img/d.jpg 0001_a\n')
    ds = CustomReIDDataset(str(tmp_path), split='train', ann_files=dict(
        train='train.txt', query='query.txt'))
    assert [(ds.get_data_info(i)['pid_name'], ds.get_data_info(i)['pid'],
             ds.get_data_info(i)['gt_label']) for i in range(3)] == [
                 ('0001_b', 1, 1), ('0001_a', 0, 0), ('0001_b', 1, 1)]


def test_list_file_image_with_two_identities_names_both_lines(
        tmp_path, write_image):
    write_image(tmp_path / 'img' / 'a.jpg')
    write_image(tmp_path / 'img' / 'b.jpg')
    (tmp_path / 'train.txt').write_text(
        'img/a.jpg alice\nimg/b.jpg bob\nimg/a.jpg carol\n')
    with pytest.raises(ValueError, match=r"img/a.jpg is listed as identity "
                       r"'alice' on line 1 and as 'carol' on line 3"):
        CustomReIDDataset(str(tmp_path), ann_files=dict(train='train.txt'))
    (tmp_path / 'train.txt').write_text(
        'img/a.jpg alice\nimg/b.jpg bob\nimg/a.jpg alice\n')
    with pytest.warns(UserWarning, match=r'img/a.jpg is listed twice \(lines '
                      r'1 and 3\)'):
        ds = CustomReIDDataset(str(tmp_path),
                               ann_files=dict(train='train.txt'))
    assert len(ds) == 3  # kept, not dropped


def test_empty_identity_folder_and_stray_file_are_named(tmp_path,
                                                        write_image):
    write_image(tmp_path / 'train' / 'alice' / 'a.jpg')
    write_image(tmp_path / 'train' / 'bob' / 'b.jpg')
    os.makedirs(tmp_path / 'train' / 'carol')
    (tmp_path / 'train' / 'notes.txt').write_text('x')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        ds = CustomReIDDataset(str(tmp_path), split='train')
    messages = ' | '.join(str(w.message) for w in caught)
    assert 'train/carol holds no images' in messages
    assert 'train/notes.txt is not an identity folder' in messages
    assert ds.metainfo['num_ids'] == 2


def test_one_identity_is_an_error(tmp_path, write_image):
    write_image(tmp_path / 'train' / 'alice' / 'a.jpg')
    write_image(tmp_path / 'train' / 'alice' / 'b.jpg')
    with pytest.raises(ValueError, match=r"single identity \('alice'\)"):
        CustomReIDDataset(str(tmp_path), split='train')


def test_joint_dataset_keeps_identities_and_cameras_apart(two_roots):
    parts = [Market1501(root) for root in two_roots]
    joint = JointReIDDataset([dict(type='Market1501', data_root=root)
                              for root in two_roots])
    infos = [joint.get_data_info(i) for i in range(len(joint))]
    assert len(infos) == sum(len(p) for p in parts)
    by_source = [[d for d in infos if d['source'] == s] for s in (0, 1)]
    labels = [{d['gt_label'] for d in group} for group in by_source]
    assert labels[0] == set(range(6)) and labels[1] == set(range(6, 11))
    assert not {d['pid'] for d in by_source[0]} & {
        d['pid'] for d in by_source[1]}
    assert not {d['camid'] for d in by_source[0]} & {
        d['camid'] for d in by_source[1]}
    # Within a source nothing but the offsets changed.
    first = parts[1].get_data_info(0)
    shifted = by_source[1][0]
    assert shifted['img_path'] == first['img_path']
    assert shifted['gt_label'] - first['gt_label'] == 6
    assert joint.metainfo['num_ids'] == 11
    assert joint.metainfo['dataset_name'] == 'Market-1501+Market-1501'


def test_shipped_joint_and_cross_domain_configs_load():
    joint = load_config(osp.join(
        REPO, 'configs/dranet/dranet_r50_market_duke_joint.py'))
    datasets = joint.train_dataloader.dataset.datasets
    assert [d.type for d in datasets] == ['Market1501', 'DukeMTMCReID']
    assert joint.train_dataloader.dataset.pipeline[-1].type == \
        'mmpretrain.PackInputs'
    for name, train, test in (('market2duke', 'Market1501', 'DukeMTMCReID'),
                              ('duke2market', 'DukeMTMCReID', 'Market1501')):
        cfg = load_config(osp.join(REPO, f'configs/dranet/dranet_r50_{name}'
                                   '.py'))
        assert cfg.train_dataloader.dataset.type == train
        assert cfg.val_dataloader.dataset.type == test
        assert cfg.test_dataloader.dataset.type == test
        assert cfg.test_dataloader.dataset.split == 'test'
        with pytest.raises(ValueError, match=r'reads 2 data sets '
                           r'\(DukeMTMCReID, Market1501\)'):
            set_data_root(cfg, REPO)
