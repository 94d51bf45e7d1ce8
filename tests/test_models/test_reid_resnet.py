"""ReIDResNet: last stride 1; pretrained weights in both formats."""
import logging
import pickle

import pytest
import torch
import torchvision
from mmengine.logging import MMLogger

from mmreid_dranet.models.backbones import (ReIDResNet,
                                            convert_resnet_state_dict)


@pytest.fixture(scope='module')
def torchvision_resnet18():
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None)
    # Distinct BN statistics, so that loading them is checked too.
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-1, 1)
            module.running_var.uniform_(0.5, 2)
    return model.state_dict()


def assert_loaded(backbone, source, prefix=''):
    own = backbone.state_dict()
    compared = 0
    for key, value in own.items():
        if key.endswith('num_batches_tracked'):
            continue
        torch.testing.assert_close(value, source[prefix + key], rtol=0,
                                   atol=0, msg=key)
        compared += 1
    assert compared == len([
        k for k in source
        if k.startswith(prefix) and not k.startswith(prefix + 'fc.')
        and not k.endswith('num_batches_tracked')
    ])


def test_last_stride_one_gives_16x_downsampling():
    backbone = ReIDResNet(depth=18, base_channels=16)
    (feature, ) = backbone(torch.randn(1, 3, 96, 32))
    assert feature.shape == (1, 128, 6, 2)
    assert ReIDResNet().strides == (1, 2, 2, 1)
    assert ReIDResNet().out_indices == (3, )


def test_loads_torchvision_checkpoint(tmp_path, torchvision_resnet18):
    path = tmp_path / 'resnet18_torchvision.pth'
    # torchvision's published files have no num_batches_tracked entries.
    torch.save({
        k: v
        for k, v in torchvision_resnet18.items()
        if not k.endswith('num_batches_tracked')
    }, path)
    backbone = ReIDResNet(
        depth=18, init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    backbone.init_weights()
    assert_loaded(backbone, torchvision_resnet18)


def test_loads_mmpretrain_checkpoint(tmp_path, torchvision_resnet18):
    state_dict = {
        'backbone.' + k: v
        for k, v in torchvision_resnet18.items() if not k.startswith('fc.')
    }
    state_dict['head.fc.weight'] = torch.zeros(1000, 512)
    state_dict['head.fc.bias'] = torch.zeros(1000)
    path = tmp_path / 'resnet18_mmpretrain.pth'
    torch.save(dict(meta=dict(epoch=100), state_dict=state_dict), path)
    backbone = ReIDResNet(
        depth=18, init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    backbone.init_weights()
    assert_loaded(backbone, state_dict, prefix='backbone.')


def test_key_conversion_drops_classifiers():
    tensor = torch.zeros(1)
    torchvision_keys = convert_resnet_state_dict({
        'conv1.weight': tensor,
        'fc.weight': tensor,
        'fc.bias': tensor
    })
    assert list(torchvision_keys) == ['conv1.weight']
    mmpretrain_keys = convert_resnet_state_dict({
        'state_dict': {
            'backbone.conv1.weight': tensor,
            'head.fc.weight': tensor,
            'data_preprocessor.mean': tensor
        }
    })
    assert list(mmpretrain_keys) == ['conv1.weight']


class ListHandler(logging.Handler):

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_missing_and_unexpected_keys_are_logged(tmp_path,
                                                torchvision_resnet18):
    state_dict = dict(torchvision_resnet18)
    del state_dict['layer4.1.conv2.weight']
    state_dict['layer5.0.conv1.weight'] = torch.zeros(1)
    path = tmp_path / 'partial.pth'
    torch.save(state_dict, path)
    logger = MMLogger.get_current_instance()
    handler = ListHandler()
    logger.addHandler(handler)
    try:
        ReIDResNet(depth=18).load_pretrained(str(path))
    finally:
        logger.removeHandler(handler)
    missing, unexpected = handler.messages
    assert 'missing' in missing and 'layer4.1.conv2.weight' in missing
    assert 'partial.pth' in missing
    assert 'unexpected' in unexpected
    assert 'layer5.0.conv1.weight' in unexpected


def test_bad_checkpoints_fail_clearly(tmp_path, torchvision_resnet18):
    with pytest.raises(FileNotFoundError, match='no_such.pth'):
        ReIDResNet(depth=18).load_pretrained(str(tmp_path / 'no_such.pth'))
    path = tmp_path / 'other_model.pth'
    torch.save({'encoder.weight': torch.zeros(3)}, path)
    with pytest.raises(KeyError, match='no ResNet backbone weights'):
        ReIDResNet(depth=18).load_pretrained(str(path))
    # A ResNet-18 file loaded into a ResNet-18 with other widths.
    path = tmp_path / 'resnet18.pth'
    torch.save(torchvision_resnet18, path)
    with pytest.raises(ValueError,
                       match=r'bn1.bias has shape \(64,\), .*expects \(32,\)'):
        ReIDResNet(depth=18, stem_channels=32).load_pretrained(str(path))


class NotATensor:
    pass


def test_pickled_objects_are_refused(tmp_path):
    path = tmp_path / 'unsafe.pth'
    torch.save({'conv1.weight': NotATensor()}, path)
    with pytest.raises(pickle.UnpicklingError, match='unsafe.pth'):
        ReIDResNet(depth=18).load_pretrained(str(path))


def test_offline_download_says_how_to_give_a_local_file(tmp_path):
    from mmreid_dranet.models.backbones.reid_resnet import \
        _local_checkpoint_path
    previous = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path))
    try:
        # Nothing listens on the loopback discard port: the download fails
        # at once, as it does on a machine without internet.
        with pytest.raises(OSError) as caught:
            _local_checkpoint_path('http://127.0.0.1:9/resnet50-0676ba61.pth')
    finally:
        torch.hub.set_dir(previous)
    message = str(caught.value)
    assert 'could not download its ImageNet weights' in message
    assert 'model.backbone.init_cfg.checkpoint=/path/to/resnet50-0676ba61' \
        '.pth' in message
    assert 'model.backbone.init_cfg=None' in message
