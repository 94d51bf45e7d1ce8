"""tools/misc/check_dataset.py on clean data and on planted problems."""
import os
import os.path as osp
import shutil

import pytest

from tests.helpers import REPO
from tests.helpers.named_data import named_folders_from_market
from tests.helpers.scripts import load_script

CONFIG = osp.join(REPO, 'configs/dranet/dranet_demo_synthetic.py')


def load_tool():
    return load_script('tools/misc/check_dataset.py')


def table_row(output, part):
    line = next(line for line in output.splitlines()
                if line.startswith(f'| {part} |'))
    return [cell.strip() for cell in line.strip('|').split('|')]


def test_clean_data_passes_with_its_counts(synthetic_market_root, capsys):
    assert load_tool().main([CONFIG, '--data-root',
                             synthetic_market_root]) == 0
    output = capsys.readouterr().out
    train = os.listdir(osp.join(synthetic_market_root, 'bounding_box_train'))
    row = table_row(output, 'train')
    assert row[1] == str(len(train))
    assert row[2] == str(len({name.split('_')[0] for name in train}))
    assert 'Nothing found that would stop' in output


@pytest.fixture
def planted(synthetic_market_root, tmp_path):
    root = str(tmp_path / 'data')
    shutil.copytree(synthetic_market_root, root)
    train = osp.join(root, 'bounding_box_train')
    victim = osp.join(train, sorted(os.listdir(train))[0])
    with open(victim, 'rb') as f:
        data = f.read()
    with open(victim, 'wb') as f:
        f.write(data[:len(data) // 2])  # a truncated JPEG
    query = osp.join(root, 'query')
    some_query = osp.join(query, sorted(os.listdir(query))[0])
    lonely = osp.join(query, '0999_c1s1_000001_00.jpg')
    shutil.copy(some_query, lonely)  # an identity the gallery lacks
    shutil.copy(some_query, osp.join(root, 'bounding_box_test',
                                     'frame_0001.jpg'))
    return root, victim, lonely


def test_planted_problems_are_named_and_fail(planted, capsys):
    root, victim, lonely = planted
    assert load_tool().main([CONFIG, '--data-root', root]) == 1
    output = capsys.readouterr().out
    assert f'ERROR [train] Corrupt image file {victim}: truncated JPEG' in \
        output
    assert 'ERROR [gallery] name does not parse' in output
    assert 'frame_0001.jpg' in output
    assert 'note [query] 1 of' in output and lonely in output
    assert table_row(output, 'train')[5] == '1'
    assert 'would stop training or evaluation' in output


@pytest.mark.parametrize('camera_pattern, warned', [(None, True),
                                                    ('auto', False)])
def test_one_camera_is_warned_with_what_to_do(synthetic_market_root,
                                              tmp_path, capsys,
                                              camera_pattern, warned):
    """Word-named identity folders of Market-named files: read without
    camera ids, query and gallery are one camera; read with them, not."""
    named_folders_from_market(synthetic_market_root, str(tmp_path / 'own'))
    config = tmp_path / 'own.py'
    config.write_text(
        f'_base_ = [{CONFIG!r}]\n'
        f"own = dict(type='CustomReIDDataset', data_root='unset', "
        f'camera_pattern={camera_pattern!r})\n'
        'train_dataloader = dict(dataset=own)\n'
        'val_dataloader = dict(dataset=own)\n'
        'test_dataloader = val_dataloader\n')
    assert load_tool().main([str(config), '--data-root',
                             str(tmp_path / 'own')]) == 0
    output = capsys.readouterr().out
    lines = [line for line in output.splitlines() if 'WARNING' in line]
    assert len(lines) == int(warned)
    if warned:
        assert lines[0].startswith('WARNING [gallery] the query and gallery '
                                   'come from one camera')
        assert 'cannot remove same-camera matches' in lines[0]
        assert 'camera_pattern' in lines[0] and 'third column' in lines[0]
    else:
        assert table_row(output, 'query')[3] == '3'
