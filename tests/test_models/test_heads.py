"""DRAHead and ReIDLinearHead: losses against formulas, switches, errors."""
import pytest
import torch

from mmreid_dranet.models.heads import DRAHead, ReIDLinearHead
from mmreid_dranet.models.losses import build_loss
from mmreid_dranet.models.necks import DRANeck

IN_CHANNELS, K, NUM_CLASSES, PARTS = 32, 16, 6, 3


def identity_loss(eps, loss_weight=1.0):
    """The loss config of cross-entropy with label smoothing eps."""
    if eps:
        return dict(type='LabelSmoothLoss', label_smooth_val=eps,
                    loss_weight=loss_weight)
    return dict(type='CrossEntropyLoss', loss_weight=loss_weight)


def neck_and_head(**head_kwargs):
    torch.manual_seed(0)
    switches = {key: head_kwargs[key] for key in ('use_rcam', 'use_rsam')
                if key in head_kwargs}
    neck = DRANeck(in_channels=IN_CHANNELS, reduce_channels=K,
                   num_classes=NUM_CLASSES, se_ratio=4, num_parts=PARTS,
                   **switches)
    head = DRAHead(NUM_CLASSES, K, num_parts=PARTS, **head_kwargs)
    head.init_weights()
    return neck, head


def smoothed_cross_entropy(logits, labels, eps):
    """(1 - eps) * CE(target) + eps * mean over classes of CE(class)."""
    log_p = torch.log_softmax(logits, dim=1)
    nll = -log_p[torch.arange(len(labels)), labels]
    uniform = -log_p.mean(dim=1)
    return ((1 - eps) * nll + eps * uniform).mean()


def bn_linear(classifier, feature):
    """BN in training mode (batch statistics) then the bias-free linear."""
    bn = classifier.bn
    mean = feature.mean(0)
    var = feature.var(0, unbiased=False)
    normed = (feature - mean) / torch.sqrt(var + bn.eps)
    return (normed * bn.weight + bn.bias) @ classifier.fc.weight.t()


@pytest.mark.parametrize('eps', [0.0, 0.1])
def test_losses_match_formulas(eps):
    neck, head = neck_and_head(loss_cls=identity_loss(eps),
                               loss_weights=dict(rcam=0.5, rsam=2.0))
    x = torch.randn(4, IN_CHANNELS, 7, 2)
    labels = torch.tensor([5, 0, 2, 5])
    out = neck.forward_train((x, ), labels)
    losses = head.loss(out, labels)

    def mean_over_parts(per_part):
        return torch.stack(per_part).mean()

    sic = mean_over_parts([
        smoothed_cross_entropy(p.identity_logits, labels, eps)
        for p in out.parts
    ])
    rcam = mean_over_parts([
        smoothed_cross_entropy(
            bn_linear(cls, p.channel_reversed.mean(dim=(2, 3))), labels, eps)
        for cls, p in zip(head.rcam_classifiers, out.parts)
    ])
    rsam = mean_over_parts([
        smoothed_cross_entropy(
            bn_linear(cls, p.spatial_reversed.mean(dim=(2, 3))), labels, eps)
        for cls, p in zip(head.rsam_classifiers, out.parts)
    ])
    torch.testing.assert_close(losses['loss_sic'], sic)
    torch.testing.assert_close(losses['loss_rcam'], 0.5 * rcam)
    torch.testing.assert_close(losses['loss_rsam'], 2.0 * rsam)


def test_label_smoothing_changes_the_loss_by_the_formula():
    neck, head = neck_and_head()
    x = torch.randn(3, IN_CHANNELS, 6, 2)
    labels = torch.tensor([1, 2, 3])
    out = neck.forward_train(x, labels)
    plain = head.loss(out, labels)['loss_sic']
    head.loss_cls = build_loss(identity_loss(0.2))
    smoothed = head.loss(out, labels)['loss_sic']
    uniform = torch.stack([
        -torch.log_softmax(p.identity_logits, 1).mean(1).mean()
        for p in out.parts
    ]).mean()
    torch.testing.assert_close(smoothed, 0.8 * plain + 0.2 * uniform)


def test_accuracies_are_logged_not_summed():
    neck, head = neck_and_head()
    labels = torch.tensor([0, 1, 2, 3])
    out = neck.forward_train(torch.randn(4, IN_CHANNELS, 6, 2), labels)
    losses = head.loss(out, labels)
    assert sorted(losses) == [
        'acc_rcam', 'acc_rsam', 'acc_sic', 'loss_rcam', 'loss_rsam',
        'loss_sic'
    ]
    assert all('loss' not in key for key in losses if key.startswith('acc'))
    expected = torch.stack([
        (p.identity_logits.argmax(1) == labels).float().mean() * 100
        for p in out.parts
    ]).mean()
    torch.testing.assert_close(losses['acc_sic'], expected)
    assert not losses['acc_sic'].requires_grad


@pytest.mark.parametrize('use_rcam,use_rsam,keys', [
    (True, True, {'loss_sic', 'loss_rcam', 'loss_rsam'}),
    (True, False, {'loss_sic', 'loss_rcam'}),
    (False, True, {'loss_sic', 'loss_rsam'}),
    (False, False, {'loss_sic'}),
])
def test_ablation_switches(use_rcam, use_rsam, keys):
    neck, head = neck_and_head(use_rcam=use_rcam, use_rsam=use_rsam)
    labels = torch.tensor([0, 1])
    losses = head.loss(
        neck.forward_train(torch.randn(2, IN_CHANNELS, 6, 2), labels),
        labels)
    assert {key for key in losses if key.startswith('loss')} == keys
    assert (head.rcam_classifiers is None) != use_rcam
    assert (head.rsam_classifiers is None) != use_rsam


def test_mismatched_neck_and_head_are_reported():
    neck, _ = neck_and_head(use_rsam=False)
    head = DRAHead(NUM_CLASSES, K, num_parts=PARTS)
    labels = torch.tensor([0, 1])
    out = neck.forward_train(torch.randn(2, IN_CHANNELS, 6, 2), labels)
    with pytest.raises(ValueError, match='spatial_reversed.*use_rsam=True'):
        head.loss(out, labels)
    with pytest.raises(KeyError, match='sicc'):
        DRAHead(NUM_CLASSES, K, loss_weights=dict(sicc=1.0))
    with pytest.raises(AssertionError, match='label_smooth_val.*1.5'):
        DRAHead(NUM_CLASSES, K, loss_cls=identity_loss(1.5))
    with pytest.raises(KeyError, match='CrossEntropyLos is not in'):
        DRAHead(NUM_CLASSES, K, loss_cls=dict(type='CrossEntropyLos'))


def test_linear_head_loss_and_accuracy():
    torch.manual_seed(0)
    head = ReIDLinearHead(num_classes=4, in_channels=8,
                          loss_cls=identity_loss(0.1, loss_weight=0.5))
    feature = torch.randn(5, 8)
    labels = torch.tensor([0, 1, 2, 3, 0])
    losses = head.loss((feature, ), labels)
    logits = bn_linear(head.classifier, feature)
    torch.testing.assert_close(
        losses['loss_cls'], 0.5 * smoothed_cross_entropy(logits, labels, 0.1))
    torch.testing.assert_close(
        losses['acc_cls'], (logits.argmax(1) == labels).float().mean() * 100)
    with pytest.raises(ValueError, match=r'N x 8 feature.*\(5, 7\)'):
        head.loss((torch.randn(5, 7), ), labels)
