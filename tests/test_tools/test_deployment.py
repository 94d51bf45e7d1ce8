"""tools/deployment/pytorch2onnx.py: export, verification, onnxruntime use."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import onnx
import onnxruntime
import pytest

from tests.helpers import tiny_model as tiny
from tests.helpers.scripts import load_script

tool = load_script('tools/deployment/pytorch2onnx.py')
OPTIONS = ['--cfg-options'] + [f'{k}={v}' for k, v in tiny.FLIP_L2.items()]


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    return tiny.save_tiny_checkpoint(
        str(tmp_path_factory.mktemp('onnx_ckpt') / 'tiny.pth'))


@pytest.fixture(scope='module')
def query_files(synthetic_market_root):
    folder = osp.join(synthetic_market_root, 'query')
    return sorted(osp.join(folder, f) for f in os.listdir(folder))[:5]


def reference_embeddings(checkpoint, files):
    from mmreid_dranet.apis import ReIDInferencer
    inferencer = ReIDInferencer(tiny.TINY_CONFIG, checkpoint, device='cpu',
                                cfg_options=tiny.FLIP_L2)
    return inferencer(files)['embeddings']


def test_export_with_flip_and_l2_runs_in_onnxruntime_alone(
        checkpoint, query_files, synthetic_market_root, tmp_path, capsys):
    out = str(tmp_path / 'model.onnx')
    tool.main([tiny.TINY_CONFIG, checkpoint, '--out', out, '--verify-images',
               osp.join(synthetic_market_root, 'query')] + OPTIONS)
    printed = capsys.readouterr().out
    assert 'max |onnxruntime - PyTorch|' in printed and printed.endswith(
        'OK\n')
    # The README recipe, with onnxruntime and OpenCV only: resize to the
    # stored size (bilinear), BGR -> RGB, (x - mean) / std, N x 3 x H x W.
    meta = {p.key: p.value for p in onnx.load(out).metadata_props}
    spec = json.loads(meta['mmreid_dranet_preprocessing'])
    assert spec['test_cfg'] == dict(flip=True, l2_normalize=True)
    batch = []
    for path in query_files:
        img = cv2.resize(cv2.imread(path), (spec['width'], spec['height']),
                         interpolation=cv2.INTER_LINEAR)
        img = img[:, :, ::-1] if spec['to_rgb'] else img
        img = (img.astype(np.float32) - spec['mean']) / spec['std']
        batch.append(img.transpose(2, 0, 1))
    session = onnxruntime.InferenceSession(
        out, providers=['CPUExecutionProvider'])
    (embeddings, ) = session.run(None, {'images': np.stack(batch).astype(
        np.float32)})
    expected = reference_embeddings(checkpoint, query_files)
    assert embeddings.shape == expected.shape == (5, 96)  # 5 != export's 2
    np.testing.assert_allclose(embeddings, expected, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1,
                               atol=1e-5)


def test_export_with_preprocessing_in_the_graph(checkpoint, query_files,
                                                tmp_path):
    out = str(tmp_path / 'model_pre.onnx')
    tool.main([tiny.TINY_CONFIG, checkpoint, '--out', out,
               '--with-preprocess'] + OPTIONS)  # synthetic verification
    session = onnxruntime.InferenceSession(
        out, providers=['CPUExecutionProvider'])
    images = np.stack([cv2.resize(cv2.imread(f), (64, 128))
                       for f in query_files[:3]])
    (embeddings, ) = session.run(None, {'images': images})
    np.testing.assert_allclose(
        embeddings, reference_embeddings(checkpoint, query_files[:3]),
        atol=1e-5)


def test_verification_fails_above_the_tolerance(checkpoint, tmp_path,
                                                capsys):
    out = str(tmp_path / 'strict.onnx')
    with pytest.raises(SystemExit) as error:
        tool.main([tiny.TINY_CONFIG, checkpoint, '--out', out,
                   '--tolerance', '0'] + OPTIONS)
    printed = capsys.readouterr().out
    difference = float(printed.split('PyTorch| = ')[1].split()[0])
    assert difference > 0  # float rounding differs between the runtimes
    assert 'differs from PyTorch' in str(error.value)
    assert not osp.exists(out)


def test_bad_arguments_are_named(checkpoint, tmp_path):
    with pytest.raises(SystemExit, match='must name a .onnx file'):
        tool.main([tiny.TINY_CONFIG, checkpoint, '--out', 'model.bin'])
    with pytest.raises(SystemExit, match='nowhere'):
        tool.main([tiny.TINY_CONFIG, checkpoint, '--out',
                   str(tmp_path / 'm.onnx'), '--verify-images', 'nowhere'])


def test_export_leaves_the_model_in_eval_mode(checkpoint, tmp_path):
    # torch.onnx.export restores the exported module's own mode; the
    # wrapper must not hand training mode (BatchNorm batch statistics) back
    # to the caller's model.
    from mmreid_dranet.apis import init_model
    from mmreid_dranet.apis.export import export_onnx
    model = init_model(tiny.TINY_CONFIG, checkpoint)
    export_onnx(model, str(tmp_path / 'm.onnx'))
    assert [name for name, m in model.named_modules() if m.training] == []


def test_verify_images_takes_a_folder_of_identity_folders(
        checkpoint, synthetic_market_root, tmp_path, capsys):
    """--verify-images mydata/query, one sub-folder per identity (the
    own-data layout), verifies on every image of every identity."""
    from tests.helpers.named_data import named_folders_from_market
    root = str(tmp_path / 'mydata')
    named_folders_from_market(synthetic_market_root, root,
                              ['alice', 'ben_0043'] + [
                                  f'person_{i}' for i in range(10)],
                              parts=('query', ))
    query_dir = osp.join(root, 'query')
    folders = sorted(os.listdir(query_dir))
    assert folders[:2] == ['alice', 'ben_0043'] and not any(
        osp.isfile(osp.join(query_dir, name)) for name in folders)
    files = sorted(osp.join(query_dir, name, f) for name in folders
                   for f in os.listdir(osp.join(query_dir, name)))
    assert tool.verification_images([query_dir]) == files
    out = str(tmp_path / 'named.onnx')
    tool.main([tiny.TINY_CONFIG, checkpoint, '--out', out, '--verify-images',
               query_dir] + OPTIONS)
    printed = capsys.readouterr().out
    assert f'verified on {len(files)} images' in printed
    assert printed.endswith('OK\n')
