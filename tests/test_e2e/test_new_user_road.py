"""The new user's road, walked as the README tells it, through the real tools:
a folder of word-named identities whose file names carry camera ids is
checked, trained for a short scaled schedule (``--epochs``), tested (with the
embeddings written), searched as a folder of identity folders, exported with
``--verify-images`` on a folder of identities, and drawn with its names."""
import os
import os.path as osp
import sys

import cv2
import numpy as np

from mmreid_dranet.evaluation import (EvaluatedRanking, evaluate_reid,
                                      load_features)
from mmreid_dranet.evaluation.functional import load_feature_provenance
from mmreid_dranet.utils.provenance import file_sha256
from mmreid_dranet.visualization import RankListLayout, draw_ranked_list
from mmreid_dranet.visualization.reid_visualizer import (ReIDVisualizer,
                                                         rank_title)
from tests.helpers import TINY_CONFIG
from tests.helpers.named_data import named_folders_from_market

WORDS = ['alice_0001', 'ben_0043', 'carol_0007', 'dave_0100', 'erin_0002',
         'frank_0013', 'grace_0021', 'heidi_0005', 'ivan_0034', 'judy_0055',
         'mallory_0089', 'niaj_0144', 'olivia_0233', 'peggy_0377',
         'zoe_0610']


def test_the_road_from_a_folder_of_people_to_search_and_export(
        synthetic_market_root, tmp_path, tools):
    people = str(tmp_path / 'people')
    name_of = named_folders_from_market(synthetic_market_root, people,
                                        words=WORDS)
    names = set(name_of.values())
    config = tmp_path / 'my_people.py'
    config.write_text(
        f'_base_ = [{TINY_CONFIG!r}]\n'
        f"data_root = {people!r}\n"
        "own = dict(type='CustomReIDDataset', data_root=data_root)\n"
        'train_dataloader = dict(dataset=own)\n'
        'val_dataloader = dict(dataset=own)\n'
        'test_dataloader = val_dataloader\n')
    work = tmp_path / 'work'
    python = sys.executable

    # Check: the file names carry cameras, so no one-camera warning.
    _, checked = tools.run([python, 'tools/misc/check_dataset.py',
                            str(config)])
    assert 'one camera' not in checked, checked

    # Train a short run: the schedule is scaled to it.
    _, trained = tools.run([python, 'tools/train.py', str(config),
                            '--work-dir', str(work), '--epochs', '2'],
                           timeout=600)
    assert (work / 'epoch_2.pth').is_file()
    assert not (work / 'epoch_3.pth').exists()
    checkpoint = str(work / 'epoch_2.pth')

    # Test, with the embeddings and their identity names written.
    embeddings = str(tmp_path / 'embeddings.npz')
    _, tested = tools.run([python, 'tools/test.py', str(config), checkpoint,
                           '--work-dir', str(tmp_path / 'test'), '--out',
                           embeddings], timeout=600)
    assert 'reid/mAP' in tested
    data = load_features(embeddings)
    assert set(data['query_names']) <= names
    assert set(data['gallery_names']) <= names
    # Cameras come from the Market-style file names, not one per split.
    assert len(set(data['gallery_camids'].tolist())) > 1
    # The file names the model its embeddings came from.
    provenance = load_feature_provenance(embeddings)
    assert provenance.config == config.stem
    assert provenance.checkpoint_sha256 == file_sha256(checkpoint)

    # Search a folder of identity folders with a query of a known person.
    query_name = data['query_names'][0]
    query_dir = osp.join(people, 'query', query_name)
    query = osp.join(query_dir, sorted(os.listdir(query_dir))[0])
    picture = str(tmp_path / 'result.png')
    _, searched = tools.run([
        python, 'demo/search_demo.py', query,
        osp.join(people, 'gallery'), str(config), checkpoint, '--topk', '5',
        '--device', 'cpu', '--out', picture
    ])
    rows = [line.split() for line in searched.splitlines()
            if line[:3].strip().isdigit()]
    assert len(rows) == 5 and all(row[2] in names for row in rows), searched
    # The frames follow the query's identity, read from its folder.
    assert any(line.startswith(f'query identity {query_name}')
               for line in searched.splitlines()), searched
    assert cv2.imread(picture) is not None

    # Export, verified on a folder of identity folders.
    onnx_file = str(tmp_path / 'model.onnx')
    _, exported = tools.run([
        python, 'tools/deployment/pytorch2onnx.py', str(config), checkpoint,
        '--out', onnx_file, '--verify-images', osp.join(people, 'query')
    ])
    assert osp.isfile(onnx_file) and 'OK' in exported, exported

    # The ranked-list pictures carry the names.
    _, _ = tools.run([python, 'tools/visualization/visualize_ranks.py',
                      embeddings, '--out-dir', str(tmp_path / 'ranks'),
                      '--topk', '4', '--num-queries', '1'])
    written = sorted((tmp_path / 'ranks').iterdir())
    assert written
    # Pictures are named <worst|best>_<n>_<the query file's stem>.
    stem = written[0].stem.split('_', 2)[2]
    query_index = [osp.splitext(osp.basename(p))[0]
                   for p in data['query_paths']].index(stem)
    result = evaluate_reid(data['query_feats'], data['gallery_feats'],
                           data['query_pids'], data['gallery_pids'],
                           data['query_camids'], data['gallery_camids'],
                           return_distances=True)
    ranking = EvaluatedRanking.from_arrays(result, data)
    tiles, labels = ReIDVisualizer.ranked_tiles(ranking, query_index, 4)
    assert set(labels) <= names
    expected = draw_ranked_list(*tiles, rank_title(ranking, query_index),
                                RankListLayout(), labels[1:], labels[0])
    np.testing.assert_array_equal(cv2.imread(str(written[0])), expected)
