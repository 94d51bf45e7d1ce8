"""tools/dataset_converters/mot2reid.py: MOT labels -> a re-ID set that
check_dataset accepts and tools/train.py trains and tests on."""
import os
import os.path as osp
import re
import sys

import cv2
import numpy as np
import pytest

from mmreid_dranet.datasets import CustomReIDDataset
from mmreid_dranet.datasets.mot_sequences import read_gt, select_boxes
from tests.helpers import TINY_CONFIG
from tests.helpers.mot_data import (FRAME_W, NUM_FRAMES, PERSON_H, PERSON_W,
                                    WALKERS, write_mot_split)
from tests.helpers.scripts import load_script
from tests.helpers.tool_runner import ToolRunner

NAME = re.compile(r'^(?P<id>MOT17-9\d_\d+)_c(?P<cam>\d+)s1_(?P<frame>\d{6})'
                  r'_00\.jpg$')


@pytest.fixture(scope='module')
def converted(tmp_path_factory):
    """Two sequences of 5 walkers x 12 frames, converted with 3 of the 10
    identities for testing and 2 time windows."""
    root = str(tmp_path_factory.mktemp('mot'))
    sequences = write_mot_split(osp.join(root, 'train'))
    out = osp.join(root, 'reid')
    load_script('tools/dataset_converters/mot2reid.py').main([
        osp.join(root, 'train'), out, '--min-size', '20', '--test-ratio',
        '0.3', '--seed', '1', '--windows', '2'])
    return sequences, out


def files_of(out, part):
    found = {}
    for name in sorted(os.listdir(osp.join(out, part))):
        for file in sorted(os.listdir(osp.join(out, part, name))):
            match = NAME.match(file)
            assert match and match['id'] == name, (part, name, file)
            found.setdefault(name, []).append(
                (int(match['frame']), int(match['cam']),
                 osp.join(out, part, name, file)))
    return found


def test_crops_identities_and_pseudo_cameras(converted):
    sequences, out = converted
    parts = {part: files_of(out, part)
             for part in ('train', 'query', 'gallery')}
    expected = {f'{seq}_{t}' for seq in sequences for t in range(1, 6)}
    # Only the walkers: the ignored box, the car and the hidden person of
    # every frame are left out; identities are <sequence>_<track id>.
    assert set(parts['train']) | set(parts['gallery']) == expected
    assert not set(parts['train']) & set(parts['gallery'])
    assert len(parts['gallery']) == 3 and set(parts['query']) == set(
        parts['gallery'])
    for name in parts['gallery']:
        query, gallery = parts['query'][name], parts['gallery'][name]
        # One query per window (its middle crop), the rest in the gallery;
        # window 1 = frames 1-6, window 2 = frames 7-12.
        windows = sorted((frame, cam) for frame, cam, _ in query)
        assert windows == [(4, 1), (10, 2)]
        assert len(gallery) == NUM_FRAMES - 2
        for frame, cam, _ in gallery + query:
            assert cam == (1 if frame <= NUM_FRAMES // 2 else 2)
    for name, crops in parts['train'].items():
        assert [frame for frame, _, _ in crops] == list(
            range(1, NUM_FRAMES + 1))
    # The crop is the box's pixels; the walker leaving the frame is clipped.
    seq = sorted(sequences)[0]
    every = {**parts['train'], **parts['gallery']}
    frame_path = osp.join(osp.dirname(out), 'train', seq, 'img1',
                          '000012.jpg')
    frame = cv2.imread(frame_path)
    last = [c for c in every.get(f'{seq}_{WALKERS}', []) + parts[
        'query'].get(f'{seq}_{WALKERS}', []) if c[0] == NUM_FRAMES][0]
    crop = cv2.imread(last[2])
    x = 4 + (WALKERS - 1) * 36 + NUM_FRAMES * 3
    assert crop.shape[:2] == (PERSON_H, FRAME_W - x) and FRAME_W - x < \
        PERSON_W
    y = 8 + (WALKERS % 2) * 40
    assert np.abs(crop.astype(int) - frame[y:y + PERSON_H, x:].astype(
        int)).mean() < 3  # two JPEG encodings apart


def test_the_dataset_reads_names_and_cameras(converted):
    _, out = converted
    test = CustomReIDDataset(out, split='test', pipeline=[])
    infos = [test.get_data_info(i) for i in range(len(test))]
    assert test.metainfo['cameras_known'] and test.metainfo['num_cams'] == 2
    assert {d['pid_name'] for d in infos} <= {
        f'MOT17-9{s}_{t}' for s in (0, 1) for t in range(1, 6)}
    train = CustomReIDDataset(out, split='train', pipeline=[])
    assert train.metainfo['num_ids'] == 7


def test_filters_frame_step_and_max_per_id(tmp_path):
    sequences = write_mot_split(str(tmp_path / 'mot'), names=('S1', ))
    gt = read_gt(str(tmp_path / 'mot/S1/gt/gt.txt'))
    assert len(gt) == len(sequences['S1']['rows'])
    boxes = select_boxes(gt, FRAME_W, 120, min_size=20, frame_step=5)
    assert sorted(set(boxes[:, 0])) == [1, 6, 11]
    assert sorted(set(boxes[:, 1])) == list(range(1, WALKERS + 1))
    assert len(select_boxes(gt, FRAME_W, 120, min_visibility=0.05,
                            min_size=20, frame_step=5)) == 3 * (WALKERS + 1)
    assert len(select_boxes(gt, FRAME_W, 120, min_size=PERSON_H + 1)) == 0
    out = str(tmp_path / 'reid')
    load_script('tools/dataset_converters/mot2reid.py').main([
        str(tmp_path / 'mot/S1'), out, '--min-size', '20', '--max-per-id',
        '4', '--test-ratio', '0.2'])
    counts = [len(os.listdir(osp.join(out, part, name)))
              for part in ('train', 'query', 'gallery')
              if osp.isdir(osp.join(out, part))
              for name in os.listdir(osp.join(out, part))]
    assert sum(counts) == WALKERS * 4
    frames = sorted(int(NAME.match(f.replace('S1', 'MOT17-90'))['frame'])
                    for f in os.listdir(osp.join(out, 'train', 'S1_1')))
    assert frames == [1, 5, 8, 12]  # spread evenly over the track


def test_bad_input_is_named(tmp_path, capsys):
    tool = load_script('tools/dataset_converters/mot2reid.py')
    write_mot_split(str(tmp_path / 'mot'), names=('S1', ))
    with open(tmp_path / 'mot/S1/gt/gt.txt', 'a') as file:
        file.write('1,2,three,4,5,6,1,1,1\n')
    with pytest.raises(SystemExit, match=r'gt\.txt, line \d+: not numbers'):
        tool.main([str(tmp_path / 'mot'), str(tmp_path / 'out')])
    with pytest.raises(SystemExit, match='no MOTChallenge sequence under'):
        tool.main([str(tmp_path), str(tmp_path / 'out')])
    (tmp_path / 'full').mkdir()
    (tmp_path / 'full/x.txt').write_text('x')
    with pytest.raises(SystemExit, match='is not empty'):
        tool.main([str(tmp_path / 'mot'), str(tmp_path / 'full')])


def test_check_dataset_accepts_it_and_train_test_run(converted, tmp_path):
    _, out = converted
    config = tmp_path / 'mot_reid.py'
    config.write_text(
        f"_base_ = [{TINY_CONFIG!r}]\n"
        "data_root = 'unset'\n"
        "own = dict(type='CustomReIDDataset', data_root=data_root)\n"
        "train_dataloader = dict(dataset=own)\n"
        "val_dataloader = dict(dataset=own)\n"
        "test_dataloader = val_dataloader\n"
        "train_cfg = dict(max_epochs=1, val_interval=1)\n")
    check = load_script('tools/misc/check_dataset.py')
    assert check.main([str(config), '--data-root', out]) == 0
    runner = ToolRunner()
    runner.run([sys.executable, 'tools/train.py', str(config), '--data-root',
                out, '--work-dir', str(tmp_path / 'work')])
    _, output = runner.run([
        sys.executable, 'tools/test.py', str(config),
        str(tmp_path / 'work/epoch_1.pth'), '--data-root', out, '--work-dir',
        str(tmp_path / 'test')])
    metrics = runner.test_metrics(output)
    m_ap = float(re.search(r'reid/mAP: (\S+)', metrics)[1])
    assert 0 < m_ap <= 100


def test_sequence_mode_keeps_one_camera_per_sequence(tmp_path):
    """--camera-mode sequence: the honest label; on plain MOT data no query
    then has a true match, and the summary says so."""
    from mmreid_dranet.datasets.mot_sequences import convert_mot
    write_mot_split(str(tmp_path / 'mot'))
    seqs = sorted(str(p) for p in (tmp_path / 'mot').iterdir())
    summary = convert_mot(seqs, str(tmp_path / 'out'), min_size=20,
                          test_ratio=0.3, seed=1, camera_mode='sequence')
    assert summary['query']['images'] == 3  # one per test identity
    assert summary['query']['queries_with_match'] == 0
    cams = {}
    for part in ('train', 'query', 'gallery'):
        for name in os.listdir(tmp_path / 'out' / part):
            for file in os.listdir(tmp_path / 'out' / part / name):
                cams.setdefault(name.split('_')[0], set()).add(
                    int(NAME.match(file)['cam']))
    assert cams == {'MOT17-90': {1}, 'MOT17-91': {2}}
    with pytest.raises(ValueError, match='--windows must be >= 2'):
        convert_mot(seqs, str(tmp_path / 'out2'), windows=1)
