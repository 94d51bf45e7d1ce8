"""mmpretrain backbones as they are in ReIDModel; avg/max/GeM pooling."""
import pytest
import torch

from mmreid_dranet.models import DRAHead, ReIDModel
from mmreid_dranet.models.backbones import probe_out_channels
from mmreid_dranet.models.necks import BNNeck, DRANeck
from mmreid_dranet.models.necks.pooling import FeaturePooling
from mmreid_dranet.registry import MODELS

TINY_CONVNEXT = dict(type='mmpretrain.ConvNeXt',
                     arch=dict(depths=[1, 1, 1, 1], channels=[8, 16, 24, 40]),
                     gap_before_final_norm=False)
TINY_VIT = dict(type='mmpretrain.VisionTransformer',
                arch=dict(embed_dims=24, num_layers=1, num_heads=2,
                          feedforward_channels=32),
                img_size=(64, 32), patch_size=16)


def test_pooling_formulas():
    torch.manual_seed(0)
    x = torch.rand(2, 3, 4, 5) + 0.1
    avg, top, gem = (FeaturePooling(kind) for kind in ('avg', 'max', 'gem'))
    torch.testing.assert_close(avg(x), x.sum(dim=(2, 3)) / 20)
    torch.testing.assert_close(top(x), x.flatten(2).max(dim=2).values)
    expected = (x.pow(3).sum(dim=(2, 3)) / 20).pow(1 / 3)
    torch.testing.assert_close(gem(x), expected)
    assert gem.gem.p.requires_grad
    with pytest.raises(ValueError, match="unknown pooling 'sum'"):
        FeaturePooling('sum', owner='BNNeck')


def test_dra_neck_gem_pools_embedding_and_reversed_branches():
    torch.manual_seed(0)
    neck = DRANeck(in_channels=16, num_parts=2, reduce_channels=16,
                   num_classes=3, pooling='gem')
    head = DRAHead(num_classes=3, **neck.head_args)
    x = torch.rand(4, 16, 6, 2)
    labels = torch.tensor([0, 1, 2, 0])
    out = neck.forward_train((x, ), labels)

    def gem(t):
        return t.clamp_min(1e-6).pow(3).mean(dim=(2, 3)).pow(1 / 3)

    expected = torch.cat([torch.cat([gem(p.attended), gem(p.spatial)], 1)
                          for p in out.parts], 1)
    torch.testing.assert_close(out.embedding, expected)
    torch.testing.assert_close(neck((x, ))[0], expected)
    logits = head.logits(out)
    torch.testing.assert_close(
        logits['rcam'][1],
        head.rcam_classifiers[1](gem(out.parts[1].channel_reversed)))
    torch.testing.assert_close(
        logits['rsam'][0],
        head.rsam_classifiers[0](gem(out.parts[0].spatial_reversed)))
    weight = neck.branches[0].identity_conv
    torch.testing.assert_close(
        logits['sic'][0],
        gem(out.parts[0].spatial) @ weight.weight.flatten(1).t() +
        weight.bias)


def test_probe_keeps_batch_norm_statistics_and_mode():
    backbone = MODELS.build(dict(type='ReIDResNet', depth=18,
                                 base_channels=8, stem_channels=8))
    backbone.train()
    before = {k: v.clone() for k, v in backbone.state_dict().items()}
    assert probe_out_channels(backbone) == 64
    assert backbone.training
    for key, value in backbone.state_dict().items():
        assert torch.equal(value, before[key]), key


def test_convnext_map_feeds_the_dra_neck():
    model = ReIDModel(backbone=TINY_CONVNEXT,
                      neck=dict(type='DRANeck', num_parts=2,
                                reduce_channels=16), head=dict(type='DRAHead'),
                      num_classes=3)
    assert model.feat_dim == model.neck.in_channels == 40
    images = torch.randn(4, 3, 128, 64)
    losses = model.head.loss(
        model.neck.forward_train(model.backbone(images),
                                 torch.tensor([0, 1, 2, 0])),
        torch.tensor([0, 1, 2, 0]))
    assert torch.isfinite(losses['loss_rsam'])
    model.eval()
    assert model(images, mode='tensor').shape == (4, 2 * 2 * 16)


def test_vit_class_token_feeds_the_bn_neck_not_the_dra_neck():
    model = ReIDModel(backbone=TINY_VIT,
                      neck=dict(type='BNNeck'),
                      head=dict(type='ReIDLinearHead'), num_classes=3)
    assert model.neck.in_channels == 24
    model.eval()
    images = torch.randn(2, 3, 64, 32)
    token = model.backbone(images)[-1]
    assert token.shape == (2, 24)
    torch.testing.assert_close(model(images, mode='tensor'),
                               model.neck.bn(token))
    with pytest.raises(ValueError, match="pooling='max' needs an N x C x H"):
        BNNeck(in_channels=24, pooling='max')((token, ))
    with pytest.raises(ValueError, match='needs a convolutional N x C x H'):
        DRANeck(in_channels=24, num_parts=2, reduce_channels=16)((token, ))
    featmap = ReIDModel(backbone=dict(TINY_VIT, out_type='featmap'),
                        neck=dict(type='DRANeck', num_parts=2,
                                  reduce_channels=16),
                        head=dict(type='DRAHead'), num_classes=3)
    featmap.eval()
    assert featmap(images, mode='tensor').shape == (2, 64)


def test_token_output_is_refused_with_the_fix():
    with pytest.raises(ValueError, match="out_type='featmap'"):
        ReIDModel(backbone=dict(TINY_VIT, out_type='raw'),
                  neck=dict(type='BNNeck'), head=dict(type='ReIDLinearHead'),
                  num_classes=3)
