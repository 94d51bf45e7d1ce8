"""BNNeck and the BoT head it feeds: outputs, frozen shift, handed values."""
import pytest
import torch

from mmreid_dranet.models import BNNeck, ReIDLinearHead, ReIDModel, TripletLoss
from mmreid_dranet.models.losses import CenterLoss

TINY_BACKBONE = dict(type='ReIDResNet', depth=18, stem_channels=8,
                     base_channels=8, strides=(1, 2, 2, 1), out_indices=(3, ),
                     init_cfg=None)
BOT_HEAD = dict(
    type='ReIDLinearHead',
    loss_cls=dict(type='LabelSmoothLoss', label_smooth_val=0.1),
    loss_metric=[dict(type='TripletLoss', margin=0.3),
                 dict(type='CenterLoss', loss_weight=5e-4)])


def test_outputs_are_pooled_feature_and_its_batch_norm():
    torch.manual_seed(0)
    neck = BNNeck(in_channels=6)
    x = torch.randn(5, 6, 4, 2)
    feature, bn_feature = neck.forward_train((x, ))
    pooled = x.mean(dim=(2, 3))
    torch.testing.assert_close(feature, pooled)
    normed = (pooled - pooled.mean(0)) / torch.sqrt(
        pooled.var(0, unbiased=False) + neck.bn.eps)
    torch.testing.assert_close(bn_feature, normed)
    neck.eval()  # the test embedding: running statistics
    bn = neck.bn
    expected = ((pooled - bn.running_mean) /
                torch.sqrt(bn.running_var + bn.eps))
    (embedding, ) = neck((x, ))
    torch.testing.assert_close(embedding, expected)
    torch.testing.assert_close(neck(x), expected)
    with pytest.raises(ValueError, match=r'N x 6 x H x W.*\(5, 7, 4, 2\)'):
        neck(torch.randn(5, 7, 4, 2))


def test_frozen_shift_stays_zero_through_training():
    neck = BNNeck(in_channels=4)
    assert not neck.bn.bias.requires_grad and neck.bn.weight.requires_grad
    optimizer = torch.optim.SGD(neck.parameters(), lr=1.0)
    _, bn_feature = neck.forward_train(torch.randn(6, 4, 3, 3))
    (bn_feature**3).sum().backward()
    optimizer.step()
    assert neck.bn.bias.abs().sum() == 0
    assert BNNeck(in_channels=4, freeze_bias=False).bn.bias.requires_grad


def test_model_hands_length_and_no_bn_to_the_head():
    model = ReIDModel(TINY_BACKBONE, dict(type='BNNeck'), BOT_HEAD,
                      num_classes=5)
    assert model.neck.in_channels == model.backbone.feat_dim == 64
    assert model.head.in_channels == 64 and not model.head.with_bn
    assert isinstance(model.head.classifier.bn, torch.nn.Identity)
    assert model.head.metric_losses[1].centers.shape == (5, 64)
    with pytest.raises(ValueError, match=r'model.head.with_bn=True disagrees'
                       r'.*remove model.head.with_bn'):
        ReIDModel(TINY_BACKBONE, dict(type='BNNeck'),
                  dict(BOT_HEAD, with_bn=True), num_classes=5)


def test_bot_losses_use_the_feature_before_and_after_the_bn():
    torch.manual_seed(1)
    model = ReIDModel(TINY_BACKBONE, dict(type='BNNeck'), BOT_HEAD,
                      num_classes=4)
    model.init_weights()
    images = torch.randn(8, 3, 32, 16)
    labels = torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
    feature, bn_feature = model.neck.forward_train(model.backbone(images))
    losses = model.head.loss((feature, bn_feature), labels)
    logits = bn_feature @ model.head.classifier.fc.weight.t()
    torch.testing.assert_close(
        losses['loss_cls'],
        torch.nn.functional.cross_entropy(logits, labels,
                                          label_smoothing=0.1))
    torch.testing.assert_close(losses['loss_triplet'],
                               TripletLoss(margin=0.3)(feature, labels))
    center = model.head.metric_losses[1]
    assert isinstance(center, CenterLoss)
    torch.testing.assert_close(
        losses['loss_center'],
        5e-4 * ((feature - center.centers[labels])**2).sum(1).mean())
    # The embedding is the BN feature (running statistics in eval mode).
    model.eval()
    torch.testing.assert_close(
        model.extract_feat(images),
        model.neck.bn(model.backbone(images)[-1].mean(dim=(2, 3))))


def test_gap_neck_head_keeps_its_own_bn():
    head = ReIDLinearHead(num_classes=3, in_channels=8)
    assert isinstance(head.classifier.bn, torch.nn.BatchNorm1d)
