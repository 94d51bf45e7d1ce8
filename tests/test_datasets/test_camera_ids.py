"""Camera ids from file names in CustomReIDDataset, and the one-camera
warning of ReIDMetric."""
import logging
import os.path as osp

import pytest
import torch
from mmengine.logging import MMLogger

from mmreid_dranet.datasets import CustomReIDDataset
from mmreid_dranet.evaluation import ReIDMetric
from tests.helpers.named_data import named_folders_from_market


def infos_of(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]


def test_market_names_in_word_folders_give_their_cameras(
        synthetic_market_root, tmp_path):
    named_folders_from_market(synthetic_market_root, str(tmp_path))
    test = CustomReIDDataset(str(tmp_path), split='test')
    infos = infos_of(test)
    # 0002_c3s1_000451_03.jpg: camera 3 as written, camid 2.
    assert all(d['camid'] == int(osp.basename(d['img_path']).split('_')[1]
                                 [1:].split('s')[0]) - 1 for d in infos)
    assert len({d['camid'] for d in infos}) == 3
    assert test.metainfo['cameras_known'] is True
    train = CustomReIDDataset(str(tmp_path), split='train')
    assert train.metainfo['num_cams'] == 3


def test_duke_names_behind_a_word_prefix(tmp_path, write_image):
    for part, name, file in (('query', 'alice', 'alice_c2_f0046182.jpg'),
                             ('gallery', 'alice', 'alice_c5_f0046190.jpg'),
                             ('gallery', 'bob', 'bob_c2_f0000001.jpg')):
        write_image(tmp_path / part / name / file)
    ds = CustomReIDDataset(str(tmp_path), split='test')
    assert [d['camid'] for d in infos_of(ds)] == [1, 4, 1]


def test_a_pattern_of_the_config(tmp_path, write_image):
    for part, file in (('query', 'x_cam3_1.jpg'), ('gallery', 'y_cam3_2.jpg'),
                       ('gallery', 'z_cam7_1.jpg')):
        write_image(tmp_path / part / 'alice' / file)
    ds = CustomReIDDataset(str(tmp_path), split='test',
                           camera_pattern=r'_cam(\d+)_')
    assert [d['camid'] for d in infos_of(ds)] == [3, 3, 7]
    # Letters are numbered in sorted order.
    for part, file in (('query', 'q_camB.jpg'), ('gallery', 'g_camA.jpg')):
        write_image(tmp_path / 'letters' / part / 'bob' / file)
    ds = CustomReIDDataset(str(tmp_path / 'letters'), split='test',
                           camera_pattern=r'_cam(?P<cam>[A-Z])')
    assert [d['camid'] for d in infos_of(ds)] == [1, 0]


def test_names_without_cameras_keep_one_camera_and_say_so(tmp_path,
                                                          write_image):
    for part, file in (('query', '0001.jpg'), ('gallery', '0002.jpg'),
                       ('gallery', '0003.jpg')):
        write_image(tmp_path / part / 'alice' / file)
    ds = CustomReIDDataset(str(tmp_path), split='test')
    assert [d['camid'] for d in infos_of(ds)] == [0, 1, 1]
    assert ds.metainfo['cameras_known'] is False
    # camera_pattern=None reads nothing from names that would fit.
    write_image(tmp_path / 'gallery' / 'alice' / '0001_c2_f0000001.jpg')
    ds = CustomReIDDataset(str(tmp_path), split='query',
                           camera_pattern=None)
    assert ds.metainfo['cameras_known'] is False


def test_a_name_without_camera_among_named_ones_is_named(tmp_path,
                                                         write_image):
    write_image(tmp_path / 'query' / 'alice' / '0001_c1s1_000001_00.jpg')
    write_image(tmp_path / 'gallery' / 'alice' / '0001_c2s1_000001_00.jpg')
    write_image(tmp_path / 'gallery' / 'alice' / 'holiday.jpg')
    for split in ('test', 'query'):  # query and gallery are read together
        with pytest.raises(ValueError, match=r'gallery/alice/holiday\.jpg: '
                           r'its name gives no camera.*Market-1501'):
            CustomReIDDataset(str(tmp_path), split=split)
    with pytest.raises(ValueError, match=r"No file name .*"
                       r"camera_pattern=r'_cam\(\\d\+\)'"):
        CustomReIDDataset(str(tmp_path), split='test',
                          camera_pattern=r'_cam(\d+)')


@pytest.mark.parametrize('pattern, message', [
    (r'_c(\d+)_(\d+)', 'has 2 groups'), (r'_c(\d+', 'not a regular')])
def test_a_bad_pattern_is_refused_at_once(tmp_path, pattern, message):
    with pytest.raises(ValueError, match=message):
        CustomReIDDataset(str(tmp_path), split='test',
                          camera_pattern=pattern)


def test_list_camid_column_wins_and_a_pattern_besides_it_is_refused(
        tmp_path, write_image):
    write_image(tmp_path / 'q_c1s1_000001_00.jpg')
    write_image(tmp_path / 'g_c1s1_000001_00.jpg')
    (tmp_path / 'q.txt').write_text('q_c1s1_000001_00.jpg 1 4\n')
    (tmp_path / 'g.txt').write_text('g_c1s1_000001_00.jpg 1 5\n')
    files = dict(query='q.txt', gallery='g.txt')
    ds = CustomReIDDataset(str(tmp_path), ann_files=files, split='test')
    assert [d['camid'] for d in infos_of(ds)] == [4, 5]
    with pytest.raises(ValueError, match='keep one'):
        CustomReIDDataset(str(tmp_path), ann_files=files, split='test',
                          camera_pattern=r'_c(\d)')


class LogRecords(logging.Handler):

    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def evaluate_logging(dataset, rounds=1):
    """Evaluate random embeddings of ``dataset`` with ReIDMetric; return the
    warnings of the log."""
    metric = ReIDMetric()
    metric.dataset_meta = dataset.metainfo
    infos = infos_of(dataset)
    handler = LogRecords()
    handler.setLevel(logging.WARNING)
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        for _ in range(rounds):
            metric.process(None, [
                dict(pred_feature=torch.randn(4, generator=torch.Generator()
                                              .manual_seed(i)),
                     pid=d['pid'], camid=d['camid'], is_query=d['is_query'],
                     img_path=d['img_path']) for i, d in enumerate(infos)])
            try:
                metric.evaluate(len(infos))
            except ValueError as error:  # nothing left to evaluate
                handler.messages.append(f'raised: {error}')
    finally:
        logger.removeHandler(handler)
    return handler.messages


def test_metric_warns_once_on_one_camera(tmp_path, write_image):
    for part, name, file in (('query', 'alice', 'a1.jpg'),
                             ('gallery', 'alice', 'a2.jpg'),
                             ('gallery', 'bob', 'b1.jpg')):
        write_image(tmp_path / 'one' / part / name / file)
        stem = file[0] + file[1]
        write_image(tmp_path / 'two' / part / name /
                    f'{stem}_c{len(part) - 4}s1_000001_00.jpg')
    one = CustomReIDDataset(str(tmp_path / 'one'), split='test')
    messages = evaluate_logging(one, rounds=2)
    assert len(messages) == 1
    assert 'one camera (the data set gives no camera ids)' in messages[0]
    assert 'cannot remove same-camera matches' in messages[0]
    assert "camera_pattern=r'_c(\\d+)_'" in messages[0]
    # query camera 1, gallery camera 3: two cameras, nothing to say.
    two = CustomReIDDataset(str(tmp_path / 'two'), split='test')
    assert {d['camid'] for d in infos_of(two)} == {0, 2}
    assert evaluate_logging(two) == []


def test_metric_warns_when_given_camera_ids_are_all_equal(tmp_path,
                                                          write_image):
    for name in ('q.jpg', 'g1.jpg', 'g2.jpg'):
        write_image(tmp_path / name)
    (tmp_path / 'q.txt').write_text('q.jpg alice 0\n')
    (tmp_path / 'g.txt').write_text('g1.jpg alice 0\ng2.jpg bob 0\n')
    same = CustomReIDDataset(str(tmp_path), split='test', ann_files=dict(
        query='q.txt', gallery='g.txt'))
    assert same.metainfo['cameras_known'] is True
    messages = evaluate_logging(same)
    # The warning comes first; the protocol then has no true match left.
    assert len(messages) == 2
    assert 'one camera (all their camera ids are equal)' in messages[0]
    assert messages[1].startswith('raised: ')
