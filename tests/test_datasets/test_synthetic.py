"""The synthetic Market-layout generator and the shared fixture."""
import glob
import hashlib
import os.path as osp
from collections import defaultdict

import cv2
import numpy as np
import pytest

from mmreid_dranet.datasets import Market1501, make_synthetic_market
from mmreid_dranet.datasets.synthetic import SyntheticReIDConfig

SMALL = dict(num_train_ids=3, num_test_ids=3, num_cams=3, cams_per_id=(2, 3),
             images_per_cam=(2, 2), num_distractors=2, num_junk=2)


def digest(root):
    files = sorted(glob.glob(osp.join(root, '*', '*.jpg')))
    h = hashlib.sha256()
    for path in files:
        h.update(osp.relpath(path, root).encode())
        h.update(open(path, 'rb').read())
    return h.hexdigest(), len(files)


def test_same_seed_same_files_other_seed_other_pictures(tmp_path):
    counts = make_synthetic_market(str(tmp_path / 'a'), seed=3, **SMALL)
    make_synthetic_market(str(tmp_path / 'b'), seed=3, **SMALL)
    make_synthetic_market(str(tmp_path / 'c'), seed=4, **SMALL)
    (hash_a, n_a), (hash_b, _), (hash_c, _) = (
        digest(str(tmp_path / k)) for k in 'abc')
    assert hash_a == hash_b and hash_a != hash_c
    assert n_a == sum(counts.values())


def test_layout_counts_and_market_file_names(synthetic_market_root):
    root = synthetic_market_root
    for folder in ('bounding_box_train', 'query', 'bounding_box_test'):
        names = [osp.basename(p) for p in glob.glob(f'{root}/{folder}/*')]
        assert names and all(n.endswith('.jpg') for n in names)
    gallery = [osp.basename(p)
               for p in glob.glob(f'{root}/bounding_box_test/*')]
    assert sum(n.startswith('0000_') for n in gallery) == 4
    assert sum(n.startswith('-1_') for n in gallery) == 2
    img = cv2.imread(glob.glob(f'{root}/query/*.jpg')[0])
    assert img.shape == (128, 64, 3)
    train = Market1501(root, split='train')
    test = Market1501(root, split='test')
    assert train.metainfo['num_ids'] == 8
    assert test.metainfo['num_ids'] == 6
    train_pids = {train.get_data_info(i)['pid'] for i in range(len(train))}
    test_pids = {test.get_data_info(i)['pid'] for i in range(len(test))}
    assert train_pids == set(range(1, 9))
    assert test_pids == set(range(9, 15)) | {0}


def test_every_query_has_a_gallery_match_in_another_camera(
        synthetic_market_root):
    test = Market1501(synthetic_market_root, split='test')
    infos = [test.get_data_info(i) for i in range(len(test))]
    gallery_cams = defaultdict(set)
    for d in infos:
        if not d['is_query']:
            gallery_cams[d['pid']].add(d['camid'])
    queries = [d for d in infos if d['is_query']]
    # One query per identity and camera, as in Market-1501.
    assert len({(d['pid'], d['camid']) for d in queries}) == len(queries)
    for d in queries:
        assert gallery_cams[d['pid']] - {d['camid']}, d['img_path']


def clothing_descriptor(path):
    """Mean colour of the torso and leg bands, divided by the image's mean
    colour to cancel the camera's gain and colour cast."""
    img = cv2.imread(path).astype(float)
    norm = img.reshape(-1, 3).mean(0)
    torso = img[40:65, 24:40].reshape(-1, 3).mean(0)
    legs = img[75:105, 24:40].reshape(-1, 3).mean(0)
    return np.concatenate([torso / norm, legs / norm])


def test_identity_carries_across_cameras(synthetic_market_root):
    """A plain reference check that there is something to learn: the
    nearest picture from another camera, by a crude clothing descriptor, is
    the same identity far more often than chance (1 / 8)."""
    train = Market1501(synthetic_market_root, split='train')
    infos = [train.get_data_info(i) for i in range(len(train))]
    desc = np.array([clothing_descriptor(d['img_path']) for d in infos])
    pids = np.array([d['pid'] for d in infos])
    cams = np.array([d['camid'] for d in infos])
    dist = np.linalg.norm(desc[:, None] - desc[None], axis=-1)
    dist[cams[:, None] == cams[None]] = np.inf
    rank1 = (pids[dist.argmin(1)] == pids).mean()
    assert rank1 > 3 / train.metainfo['num_ids']


@pytest.mark.parametrize('change, message', [
    (dict(cams_per_id=(1, 2)), 'cams_per_id'),
    (dict(num_cams=2, cams_per_id=(2, 3)), 'cams_per_id'),
    (dict(images_per_cam=(1, 3)), 'images_per_cam'),
    (dict(height=20), 'too small'),
])
def test_settings_that_break_the_protocol_are_refused(tmp_path, change,
                                                      message):
    with pytest.raises(ValueError, match=message):
        make_synthetic_market(str(tmp_path), **change)


def test_unknown_setting_is_refused(tmp_path):
    with pytest.raises(TypeError, match='num_people'):
        make_synthetic_market(str(tmp_path), num_people=3)
    assert SyntheticReIDConfig().height == 128
