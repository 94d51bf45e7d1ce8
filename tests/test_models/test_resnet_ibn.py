"""ResNet-50-IBN-a: the IBN formula and the published state-dict keys."""
import pytest
import torch

from mmreid_dranet.models.backbones import IBN, ResNetIBN

# ResNet-50 as in the paper: blocks per stage and bottleneck widths.
STAGES = ((3, 64), (4, 128), (6, 256), (3, 512))
EXPANSION = 4


def published_resnet50_ibn_a_shapes():
    """{key: shape} of IBN-Net's resnet50_ibn_a ImageNet file, built from
    the architecture (Pan et al. 2018; torchvision ResNet names): IBN (half
    InstanceNorm, half BatchNorm) after conv1 of each block of layer1-3."""
    shapes = {'conv1.weight': (64, 3, 7, 7)}

    def batch_norm(name, channels):
        for key in ('weight', 'bias', 'running_mean', 'running_var'):
            shapes[f'{name}.{key}'] = (channels, )

    batch_norm('bn1', 64)
    in_channels = 64
    for stage, (blocks, width) in enumerate(STAGES, start=1):
        out_channels = width * EXPANSION
        for block in range(blocks):
            name = f'layer{stage}.{block}'
            shapes[f'{name}.conv1.weight'] = (width, in_channels, 1, 1)
            if stage < 4:
                half = width // 2
                shapes[f'{name}.bn1.IN.weight'] = (half, )
                shapes[f'{name}.bn1.IN.bias'] = (half, )
                batch_norm(f'{name}.bn1.BN', width - half)
            else:
                batch_norm(f'{name}.bn1', width)
            shapes[f'{name}.conv2.weight'] = (width, width, 3, 3)
            batch_norm(f'{name}.bn2', width)
            shapes[f'{name}.conv3.weight'] = (out_channels, width, 1, 1)
            batch_norm(f'{name}.bn3', out_channels)
            if block == 0:
                shapes[f'{name}.downsample.0.weight'] = (out_channels,
                                                         in_channels, 1, 1)
                batch_norm(f'{name}.downsample.1', out_channels)
            in_channels = out_channels
    shapes['fc.weight'] = (1000, 2048)
    shapes['fc.bias'] = (1000, )
    return shapes


def test_ibn_is_instance_norm_on_half_and_batch_norm_on_the_rest():
    torch.manual_seed(0)
    ibn = IBN(6)
    for norm in (ibn.IN, ibn.BN):
        norm.weight.data.uniform_(0.5, 1.5)
        norm.bias.data.uniform_(-0.5, 0.5)
    x = torch.randn(4, 6, 5, 3) * 2 + 1
    out = ibn(x)
    eps = 1e-5
    # Instance norm: per sample and channel over H x W (biased variance).
    first = x[:, :3]
    mean = first.mean(dim=(2, 3), keepdim=True)
    var = first.var(dim=(2, 3), unbiased=False, keepdim=True)
    expected_in = (first - mean) / torch.sqrt(var + eps) * \
        ibn.IN.weight[None, :, None, None] + ibn.IN.bias[None, :, None, None]
    # Batch norm (training): per channel over N, H, W.
    second = x[:, 3:]
    mean = second.mean(dim=(0, 2, 3), keepdim=True)
    var = second.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
    expected_bn = (second - mean) / torch.sqrt(var + eps) * \
        ibn.BN.weight[None, :, None, None] + ibn.BN.bias[None, :, None, None]
    torch.testing.assert_close(out[:, :3], expected_in)
    torch.testing.assert_close(out[:, 3:], expected_bn)
    with pytest.raises(ValueError, match='ratio=1.0'):
        IBN(4, ratio=1.0)


def test_published_keys_load_strictly(tmp_path):
    shapes = published_resnet50_ibn_a_shapes()
    generator = torch.Generator().manual_seed(0)
    published = {key: torch.randn(shape, generator=generator)
                 for key, shape in shapes.items()}
    for key, value in published.items():
        if key.endswith('running_var'):
            value.abs_().add_(0.5)
    model = ResNetIBN()
    own = {key: value for key, value in model.state_dict().items()
           if not key.endswith('num_batches_tracked')}
    backbone_keys = {key for key in shapes if not key.startswith('fc.')}
    assert set(own) == backbone_keys
    assert all(tuple(own[key].shape) == shapes[key] for key in own)
    # Through the Pretrained path of the configs (fc.* dropped).
    path = str(tmp_path / 'resnet50_ibn_a.pth')
    torch.save(published, path)
    model.load_pretrained(path)
    loaded = model.state_dict()
    for key in backbone_keys:
        torch.testing.assert_close(loaded[key], published[key])
    # Stage 4 keeps plain BN, the stem too; stages 1-3 have IBN throughout.
    assert isinstance(model.layer3[5].bn1, IBN)
    assert isinstance(model.layer4[0].bn1, torch.nn.BatchNorm2d)
    assert model.strides == (1, 2, 2, 1)


def test_wrong_ibn_stage_count_is_refused():
    with pytest.raises(ValueError, match='ibn_stages'):
        ResNetIBN(depth=18, ibn_stages=(True, False))
