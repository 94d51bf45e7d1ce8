"""DRANeck in an mmpretrain classifier config; ONNX export of the model."""
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import onnxruntime
import torch

from mmreid_dranet.models import ReIDModel

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))

# Runs in a fresh interpreter, so that nothing of mmreid_dranet is imported
# before mmengine resolves the 'mmreid_dranet.DRANeck' scope prefix.
REUSE_SCRIPT = r'''
import json, sys
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

cfg = Config.fromfile('configs/reuse/resnet50_dra-neck_in1k.py')
neck_type = cfg.model.neck.type
assert 'custom_imports' not in cfg
assert not any(name.startswith('mmreid_dranet') for name in sys.modules)
# Shrink: ResNet-18 with 16 base channels (128 output channels), 10 classes.
cfg.model.backbone.update(depth=18, base_channels=16)
cfg.model.neck.update(in_channels=128, reduce_channels=32)
cfg.model.head.update(num_classes=10, in_channels=64)
torch.manual_seed(0)
with DefaultScope.overwrite_default_scope('mmpretrain'):
    model = MODELS.build(cfg.model)
model.init_weights()
optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
data = dict(
    inputs=[torch.randint(0, 256, (3, 64, 64), dtype=torch.uint8)
            for _ in range(4)],
    data_samples=[DataSample().set_gt_label(i) for i in range(4)])
processed = model.data_preprocessor(data, True)
model(**processed, mode='loss')['loss'].backward()
unused = [n for n, p in model.named_parameters() if p.grad is None]
model.zero_grad()
reduce = model.neck.branches[0].reduce.conv.weight
before = reduce.detach().clone()
log_vars = model.train_step(data, optim)
print(json.dumps(dict(
    neck_type=neck_type, neck_class=type(model.neck).__module__,
    classifier=type(model).__name__, loss=float(log_vars['loss']),
    neck_changed=not torch.equal(before, reduce.detach()),
    unused=unused)))
'''


def test_reuse_config_trains_inside_an_mmpretrain_classifier():
    result = subprocess.run([sys.executable, '-c', REUSE_SCRIPT], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report['neck_type'] == 'mmreid_dranet.DRANeck'
    assert report['neck_class'] == 'mmreid_dranet.models.necks.dra_neck'
    assert report['classifier'] == 'ImageClassifier'
    # Cross-entropy over 10 classes starts near log(10).
    assert abs(report['loss'] - np.log(10)) < 1.0
    assert report['neck_changed']
    assert report['unused'] == []


def test_onnx_export_matches_pytorch(tmp_path):
    torch.manual_seed(0)
    model = ReIDModel(
        backbone=dict(type='ReIDResNet', depth=18, base_channels=16),
        neck=dict(type='DRANeck', in_channels=128, reduce_channels=16,
                  num_classes=5),
        head=dict(type='DRAHead', num_classes=5, in_channels=16),
        test_cfg=dict(flip=True, l2_normalize=False)).eval()
    # 112 rows -> 7 feature rows: uneven stripes (3, 2, 2) in the graph.
    path = str(tmp_path / 'dranet.onnx')
    torch.onnx.export(
        model, (torch.randn(2, 3, 112, 32), ), path, dynamo=False,
        input_names=['images'], output_names=['embedding'],
        dynamic_axes=dict(images={0: 'batch'}, embedding={0: 'batch'}),
        opset_version=17)
    session = onnxruntime.InferenceSession(
        path, providers=['CPUExecutionProvider'])
    images = torch.randn(3, 3, 112, 32)  # another batch size
    (exported, ) = session.run(None, {'images': images.numpy()})
    with torch.no_grad():
        expected = model(images, mode='tensor').numpy()
    assert exported.shape == (3, 3 * 2 * 16)
    np.testing.assert_allclose(exported, expected, rtol=1e-4, atol=1e-4)
