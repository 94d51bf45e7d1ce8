"""CosFace, ArcFace and Circle loss against their formulas, computed
plainly here."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import DefaultScope
from mmpretrain.models.heads import ArcFaceClsHead

from mmreid_dranet.models import ReIDModel
from mmreid_dranet.models.heads import (ArcFaceClassifier, CosFaceClassifier,
                                        ReIDLinearHead)
from mmreid_dranet.models.losses import CircleLoss, TripletLoss
from mmreid_dranet.registry import MODELS


def cosines(feature, weight):
    return [[sum(a * b for a, b in zip(f, w)) /
             math.sqrt(sum(a * a for a in f) * sum(b * b for b in w))
             for w in weight] for f in feature]


def test_cosface_logits():
    torch.manual_seed(0)
    head = CosFaceClassifier(4, 3, scale=10.0, margin=0.3)
    feature = torch.randn(5, 4)
    labels = torch.tensor([0, 2, 1, 1, 0])
    cos = cosines(feature.tolist(), head.norm_product.weight.tolist())
    expected = [[10.0 * (c - (0.3 if j == y else 0.0))
                 for j, c in enumerate(row)]
                for row, y in zip(cos, labels.tolist())]
    torch.testing.assert_close(head(feature, labels),
                               torch.tensor(expected))
    torch.testing.assert_close(head(feature), 10.0 * torch.tensor(cos))


def test_arcface_logits_match_the_formula_and_mmpretrain():
    torch.manual_seed(0)
    head = ArcFaceClassifier(4, 3, scale=10.0, margin=0.5)
    feature = torch.randn(6, 4)
    labels = torch.tensor([0, 2, 1, 1, 0, 2])
    # One sample far from its class: theta + m passes pi, the fallback.
    weight = head.norm_product.weight.detach()
    feature[5] = -weight[2] + 0.01 * torch.randn(4)
    cos = cosines(feature.tolist(), weight.tolist())
    expected = []
    for row, y in zip(cos, labels.tolist()):
        out = []
        for j, c in enumerate(row):
            if j == y:
                theta = math.acos(c)
                c = math.cos(theta + 0.5) if theta + 0.5 < math.pi else \
                    c - math.sin(0.5) * 0.5
            out.append(10.0 * c)
        expected.append(out)
    logits = head(feature, labels)
    torch.testing.assert_close(logits, torch.tensor(expected))
    assert cos[5][2] < -math.cos(0.5)  # the fallback branch was taken
    # The same numbers as mmpretrain's ArcFaceClsHead with the same weights.
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        reference = ArcFaceClsHead(num_classes=3, in_channels=4, scale=10.0,
                                   margins=0.5)
    reference.norm_product.weight.data.copy_(weight)
    torch.testing.assert_close(logits, reference((feature, ), labels))
    torch.testing.assert_close(head(feature), 10.0 * torch.tensor(cos))


def test_circle_loss_formula():
    torch.manual_seed(0)
    emb = torch.randn(6, 5)
    labels = torch.tensor([0, 0, 1, 1, 2, 3])  # ids 2 and 3: no positive
    m, gamma = 0.25, 16.0
    unit = [[v / math.sqrt(sum(x * x for x in row)) for v in row]
            for row in emb.tolist()]
    terms = []
    for i in range(6):
        pos, neg = 0.0, 0.0
        for j in range(6):
            s = sum(a * b for a, b in zip(unit[i], unit[j]))
            if j != i and labels[j] == labels[i]:
                pos += math.exp(-gamma * max(0, 1 + m - s) * (s - (1 - m)))
            elif labels[j] != labels[i]:
                neg += math.exp(gamma * max(0, s + m) * (s - m))
        if pos > 0 and neg > 0:
            terms.append(math.log(1 + pos * neg))
    loss = CircleLoss(margin=m, gamma=gamma, loss_weight=2.0)
    value = loss(emb.requires_grad_(), labels)
    assert len(terms) == 4
    assert value.item() == pytest.approx(2.0 * sum(terms) / 4, rel=1e-5)
    value.backward()
    assert torch.isfinite(emb.grad).all()
    assert emb.grad[4:].abs().sum() > 0  # negatives still get gradients
    with pytest.raises(ValueError, match='no anchor'):
        loss(torch.randn(3, 5), torch.tensor([0, 1, 2]))


def test_linear_head_with_arcface_and_circle_loss_trains():
    torch.manual_seed(0)
    model = ReIDModel(
        backbone=dict(type='ReIDResNet', depth=18, base_channels=8,
                      stem_channels=8),
        neck=dict(type='BNNeck', pooling='gem'),
        head=dict(type='ReIDLinearHead',
                  classifier=dict(type='ArcFaceClassifier', scale=16.0),
                  loss_metric=[dict(type='CircleLoss', gamma=32.0),
                               dict(type='TripletLoss')]),
        num_classes=4)
    classifier = model.head.classifier
    assert isinstance(classifier, ArcFaceClassifier)
    assert classifier.in_channels == 64 and isinstance(
        classifier.bn, torch.nn.Identity)  # BNNeck did the BN
    assert isinstance(model.head.metric_losses[0], CircleLoss)
    assert isinstance(model.head.metric_losses[1], TripletLoss)
    images = torch.randn(8, 3, 64, 32)
    labels = torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
    feats = model.neck.forward_train(model.backbone(images))
    losses = model.head.loss(feats, labels)
    assert set(losses) == {'loss_cls', 'loss_circle', 'loss_triplet',
                           'acc_cls'}
    # The loss sees the margin logits; forward (and the accuracy) not.
    margin_loss = F.cross_entropy(classifier(feats[1], labels), labels)
    plain = F.cross_entropy(model.head(feats), labels)
    torch.testing.assert_close(losses['loss_cls'], margin_loss)
    assert margin_loss > plain
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    assert model.neck.pool.gem.p.grad is not None


def test_classifier_config_conflict_is_named():
    with pytest.raises(ValueError, match='with_bn=True disagrees'):
        ReIDLinearHead(num_classes=3, in_channels=4, with_bn=False,
                       classifier=dict(type='CosFaceClassifier',
                                       with_bn=True))
    assert MODELS.get('CircleLoss') is CircleLoss
