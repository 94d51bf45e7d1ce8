"""tools/deployment/pytorch2onnx.py for trackers and CPU runtimes: the
tracker names, OpenVINO IR and TorchScript, each verified on real images."""
import os
import os.path as osp

import cv2
import numpy as np
import onnx
import pytest

from mmreid_dranet.apis.runtimes import load_runtime
from tests.helpers import tiny_model as tiny
from tests.helpers.scripts import load_script

tool = load_script('tools/deployment/pytorch2onnx.py')
OPTIONS = ['--cfg-options'] + [f'{k}={v}' for k, v in tiny.FLIP_L2.items()]


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    return tiny.save_tiny_checkpoint(
        str(tmp_path_factory.mktemp('runtime_ckpt') / 'tiny.pth'))


@pytest.fixture(scope='module')
def query(synthetic_market_root):
    """The query folder and its first 5 files."""
    folder = osp.join(synthetic_market_root, 'query')
    files = sorted(osp.join(folder, f) for f in os.listdir(folder))[:5]
    return folder, files


def graph_batch(files, spec_hw=(128, 64)):
    """The README recipe: resize, BGR -> RGB, ImageNet mean/std, NCHW."""
    mean = np.array([123.675, 116.28, 103.53], np.float32)
    std = np.array([58.395, 57.12, 57.375], np.float32)
    batch = [((cv2.resize(cv2.imread(f), spec_hw[::-1])[:, :, ::-1] - mean)
              / std).transpose(2, 0, 1) for f in files]
    return np.ascontiguousarray(np.stack(batch), dtype=np.float32)


@pytest.mark.parametrize('fmt, suffix, runtime', [
    ('onnx', '.onnx', 'onnxruntime'), ('openvino', '.xml', 'openvino'),
    ('torchscript', '.pt', 'torchscript')])
def test_each_format_verifies_itself_and_runs_any_batch(
        fmt, suffix, runtime, checkpoint, query, tmp_path, capsys):
    from mmreid_dranet.apis import ReIDInferencer
    folder, files = query
    out = str(tmp_path / f'model{suffix}')
    tool.main([tiny.TINY_CONFIG, checkpoint, '--out', out, '--format', fmt,
               '--verify-images', folder] + OPTIONS)
    printed = capsys.readouterr().out
    assert f'max |{runtime} - PyTorch| = ' in printed
    assert printed.endswith('OK\n')
    expected = ReIDInferencer(tiny.TINY_CONFIG, checkpoint, device='cpu',
                              cfg_options=tiny.FLIP_L2)(files)['embeddings']
    run = load_runtime(runtime, out)
    batch = graph_batch(files)
    # 5 and 1 images: the batch axis is dynamic (the export traced 2).
    np.testing.assert_allclose(run(batch), expected, rtol=0, atol=1e-5)
    np.testing.assert_allclose(run(batch[:1]), expected[:1], rtol=0,
                               atol=1e-5)


def test_tracker_names_by_default_and_ours_on_request(checkpoint,
                                                      tmp_path):
    import openvino
    for extra, name in (([], 'output'), (['--keep-names'], 'embedding')):
        out = str(tmp_path / f'{name}.onnx')
        tool.main([tiny.TINY_CONFIG, checkpoint, '--out', out] + extra)
        graph = onnx.load(out).graph
        assert [i.name for i in graph.input] == ['images']
        assert [o.name for o in graph.output] == [name]
        dims = graph.input[0].type.tensor_type.shape.dim
        assert dims[0].dim_param == 'batch' and [d.dim_value for d in
                                                 dims[1:]] == [3, 128, 64]
    out = str(tmp_path / 'model.xml')
    tool.main([tiny.TINY_CONFIG, checkpoint, '--out', out, '--format',
               'openvino'])
    ir = openvino.Core().read_model(out)
    assert ir.input(0).get_names() == {'images'}
    assert ir.output(0).get_names() == {'output'}
    assert ir.input(0).get_partial_shape()[0].is_dynamic


def test_openvino_over_the_tolerance_is_removed(checkpoint, tmp_path,
                                                capsys):
    out = str(tmp_path / 'strict.xml')
    with pytest.raises(SystemExit, match='differs from PyTorch'):
        tool.main([tiny.TINY_CONFIG, checkpoint, '--out', out, '--format',
                   'openvino', '--tolerance', '0'] + OPTIONS)
    printed = capsys.readouterr().out
    assert float(printed.split('PyTorch| = ')[1].split()[0]) > 0
    assert not osp.exists(out) and not osp.exists(str(tmp_path /
                                                      'strict.bin'))
    with pytest.raises(SystemExit, match='must name a .pt file'):
        tool.main([tiny.TINY_CONFIG, checkpoint, '--out', 'model.onnx',
                   '--format', 'torchscript'])
