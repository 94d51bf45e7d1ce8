"""ReIDInferencer: the numbers of tools/test.py, inputs, bad input."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch

from mmreid_dranet.apis import (BadImageError, CheckpointMismatchError,
                                ReIDInferencer, get_config_path, init_model,
                                list_models)
from mmreid_dranet.evaluation import load_features

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY_CONFIG = osp.join(REPO, 'tests', 'test_e2e', 'tiny_demo_config.py')


def test_embeddings_equal_tools_test_out(inferencer, test_out_npz,
                                         tiny_checkpoint):
    saved = load_features(test_out_npz)
    paths = list(saved['query_paths']) + list(saved['gallery_paths'])
    expected = np.concatenate([saved['query_feats'], saved['gallery_feats']])
    # Another batch size than tools/test.py's 16: batching changes nothing.
    result = inferencer(paths, batch_size=7)
    assert result['paths'] == paths and result['skipped'] == []
    assert result['embeddings'].dtype == np.float32
    np.testing.assert_allclose(result['embeddings'], expected, rtol=0,
                               atol=1e-5)
    # test_cfg was applied: unit rows, and flip changes the numbers.
    np.testing.assert_allclose(np.linalg.norm(expected, axis=1), 1,
                               atol=1e-5)
    plain = ReIDInferencer(TINY_CONFIG, tiny_checkpoint,
                           device='cpu')(paths[:4])['embeddings']
    assert np.abs(plain - expected[:4]).max() > 1e-2


def test_arrays_as_cv2_returns_them_equal_files(inferencer,
                                                synthetic_market_root,
                                                tmp_path):
    query = osp.join(synthetic_market_root, 'query')
    files = sorted(osp.join(query, f) for f in os.listdir(query))[:3]
    # One picture of another size, saved losslessly: the test pipeline's
    # resize applies to arrays exactly as to files.
    big = cv2.resize(cv2.imread(files[0]), (50, 100))
    big_file = str(tmp_path / 'big.png')
    cv2.imwrite(big_file, big)
    by_file = inferencer(files + [big_file])['embeddings']
    arrays = [cv2.imread(f) for f in files] + [big]
    by_array = inferencer(arrays)
    np.testing.assert_allclose(by_array['embeddings'], by_file, atol=1e-6)
    assert by_array['paths'] == [None] * 4
    # A stack N x H x W x 3 and a single array work too.
    stack = inferencer(np.stack(arrays[:3]))['embeddings']
    np.testing.assert_allclose(stack, by_file[:3], atol=1e-6)
    single = inferencer(arrays[1])['embeddings']
    np.testing.assert_allclose(single, by_file[1:2], atol=1e-6)


def test_folder_is_sorted_image_files_only(inferencer, synthetic_market_root,
                                           tmp_path):
    folder = tmp_path / 'gallery'
    shutil.copytree(osp.join(synthetic_market_root, 'bounding_box_test'),
                    folder)
    (folder / 'Thumbs.db').write_bytes(b'not an image')
    result = inferencer(str(folder), batch_size=5)
    names = sorted(p.name for p in folder.iterdir() if p.suffix == '.jpg')
    assert [osp.basename(p) for p in result['paths']] == names
    assert result['embeddings'].shape[0] == len(names)
    one_by_one = inferencer(result['paths'][:3], batch_size=1)
    np.testing.assert_allclose(one_by_one['embeddings'],
                               result['embeddings'][:3], atol=1e-5)


def test_unreadable_image_is_named_and_skipped_only_on_request(
        inferencer, synthetic_market_root, tmp_path):
    folder = tmp_path / 'query'
    shutil.copytree(osp.join(synthetic_market_root, 'query'), folder)
    good = sorted(str(p) for p in folder.iterdir())
    bad = folder / '0000_c1s1_000000_00.jpg'  # sorts first
    bad.write_bytes(open(good[0], 'rb').read()[:200])  # truncated JPEG
    with pytest.raises(BadImageError, match=str(bad)):
        inferencer(str(folder))
    with pytest.warns(UserWarning, match=str(bad)):
        result = inferencer(str(folder), skip_bad_files=True)
    assert [path for path, _ in result['skipped']] == [str(bad)]
    assert result['paths'] == good
    np.testing.assert_allclose(result['embeddings'],
                               inferencer(good)['embeddings'], atol=1e-6)
    with pytest.raises(BadImageError, match='missing.jpg'):
        inferencer([good[0], str(tmp_path / 'missing.jpg')])


def test_bad_arrays_and_arguments(inferencer):
    with pytest.raises(ValueError, match=r'input 1: .*uint8 BGR.*float32'):
        inferencer([np.zeros((8, 4, 3), np.uint8),
                    np.zeros((8, 4, 3), np.float32)])
    with pytest.raises(ValueError, match=r'shape \(8, 4\)'):
        inferencer(np.zeros((8, 4), np.uint8))
    with pytest.raises(ValueError, match='batch_size'):
        inferencer(np.zeros((8, 4, 3), np.uint8), batch_size=0)


def test_checkpoint_that_does_not_fit_names_first_keys(tiny_checkpoint,
                                                       tmp_path):
    state = torch.load(tiny_checkpoint, weights_only=True)
    weights = state['state_dict']
    weights['neck.extra.weight'] = torch.zeros(1)
    del weights['backbone.conv1.weight']
    broken = str(tmp_path / 'broken.pth')
    torch.save(state, broken)
    with pytest.raises(CheckpointMismatchError) as error:
        ReIDInferencer(TINY_CONFIG, broken, device='cpu')
    message = str(error.value)
    assert '1 missing keys (first: backbone.conv1.weight)' in message
    assert '1 unexpected keys (first: neck.extra.weight)' in message
    assert broken in message and 'tiny_demo_config.py' in message
    # Another width than the checkpoint's: shapes named.
    with pytest.raises(CheckpointMismatchError,
                       match=r'shape mismatches \(first: neck.branches.0.'
                       r'reduce.conv.weight: \(16, 64, 1, 1\) in the '
                       r'checkpoint vs \(32, 64, 1, 1\)'):
        init_model(TINY_CONFIG, tiny_checkpoint,
                   cfg_options={'model.neck.reduce_channels': 32})


def test_model_index_names(tiny_checkpoint):
    assert 'dranet_r50_market' in list_models()
    assert list_models('*market*') == ['dranet_r50_market']
    path = get_config_path('dranet_r50_market')
    assert osp.samefile(path, osp.join(REPO, 'configs', 'dranet',
                                       'dranet_r50_market.py'))
    with pytest.raises(ValueError, match="'nope' is neither.*"
                       'dranet_r50_market'):
        get_config_path('nope')
    with pytest.raises(FileNotFoundError, match='missing.py'):
        get_config_path('missing.py')


def test_import_stays_light_and_exports_lazily():
    code = ('import sys, mmreid_dranet\n'
            "assert 'mmreid_dranet.apis' not in sys.modules\n"
            "assert 'mmpretrain.apis' not in sys.modules\n"
            'from mmreid_dranet import ReIDInferencer, ReIDGallery\n'
            'from mmreid_dranet.apis import ReIDInferencer as direct\n'
            'assert ReIDInferencer is direct\n'
            'try:\n    mmreid_dranet.NotAThing\n'
            'except AttributeError as e:\n    print(e)\n')
    result = subprocess.run([sys.executable, '-c', code], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "has no attribute 'NotAThing'" in result.stdout


def test_flip_and_l2_follow_cfg_options(inferencer, tiny):
    assert tiny.FLIP_L2 == {'model.test_cfg.flip': True,
                            'model.test_cfg.l2_normalize': True}
    assert inferencer.model.test_cfg == dict(flip=True, l2_normalize=True)
    assert dict(inferencer.config.model.test_cfg) == dict(
        flip=True, l2_normalize=True)
