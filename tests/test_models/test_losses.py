"""TripletLoss, CenterLoss and LabelSmoothLoss against plain references."""
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.models.losses import LabelSmoothLoss as MMPretrainLabelSmooth

from mmreid_dranet.models.heads import ReIDLinearHead
from mmreid_dranet.models.losses import (CenterLoss, LabelSmoothLoss,
                                         TripletLoss, build_loss)
from mmreid_dranet.registry import MODELS

# Identity 2 has a single image (no positive); the others 2 or 3.
LABELS = torch.tensor([0, 0, 0, 1, 1, 2, 3, 3])


def pair_distance(a, b, distance):
    if distance == 'cosine':
        return 1 - (a * b).sum() / (a.norm() * b.norm())
    return ((a - b)**2).sum().sqrt()


def reference_triplet(embeddings, labels, margin, distance, reduction):
    """A plain loop over anchors: hardest positive, hardest negative."""
    per_anchor, used = [], 0
    for i in range(len(labels)):
        positives = [
            pair_distance(embeddings[i], embeddings[j], distance)
            for j in range(len(labels)) if j != i and labels[j] == labels[i]
        ]
        negatives = [
            pair_distance(embeddings[i], embeddings[k], distance)
            for k in range(len(labels)) if labels[k] != labels[i]
        ]
        if not positives or not negatives:
            per_anchor.append(embeddings.sum() * 0)
            continue
        used += 1
        gap = max(positives) - min(negatives)
        if margin is None:
            per_anchor.append(torch.log(1 + torch.exp(gap)))
        else:
            per_anchor.append(torch.clamp(gap + margin, min=0))
    per_anchor = torch.stack(per_anchor)
    if reduction == 'none':
        return per_anchor
    if reduction == 'sum':
        return per_anchor.sum()
    return per_anchor.sum() / used


@pytest.mark.parametrize('distance', ['euclidean', 'cosine'])
@pytest.mark.parametrize('margin', [0.3, 5.0, None])
@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
def test_triplet_matches_the_anchor_loop_and_its_gradient(
        distance, margin, reduction):
    torch.manual_seed(0)
    embeddings = torch.randn(len(LABELS), 5, dtype=torch.float64)
    ours_in = embeddings.clone().requires_grad_()
    ref_in = embeddings.clone().requires_grad_()
    loss = TripletLoss(margin=margin, distance=distance,
                       reduction=reduction, loss_weight=0.7)
    ours = loss(ours_in, LABELS)
    expected = 0.7 * reference_triplet(ref_in, LABELS, margin, distance,
                                       reduction)
    torch.testing.assert_close(ours, expected)
    if reduction == 'none':
        assert ours[5] == 0  # identity 2: one image, no positive
        ours, expected = ours.sum(), expected.sum()
    assert ours > 0
    ours.backward()
    expected.backward()
    torch.testing.assert_close(ours_in.grad, ref_in.grad)


def test_single_image_identity_is_still_a_negative():
    # Identity 1 has one image: no anchor of its own, but it is the hardest
    # negative of both anchors of identity 0 and gets their gradient.
    x = torch.tensor([[0.], [1.], [2.5]], requires_grad=True)
    loss = TripletLoss(margin=2.0, reduction='none')(
        x, torch.tensor([0, 0, 1]))
    # anchor 0: 1 - 2.5 + 2; anchor 1: 1 - 1.5 + 2; image 2: no positive.
    torch.testing.assert_close(loss, torch.tensor([0.5, 1.5, 0.]))
    loss.sum().backward()
    # (x1 - x0) - (x2 - x0) + (x1 - x0) - (x2 - x1) differentiated.
    torch.testing.assert_close(x.grad, torch.tensor([[-1.], [3.], [-2.]]))


def test_triplet_gradcheck_and_identical_embeddings():
    torch.manual_seed(1)
    embeddings = torch.randn(len(LABELS), 4, dtype=torch.float64,
                             requires_grad=True)
    loss = TripletLoss(margin=None)
    assert torch.autograd.gradcheck(lambda x: loss(x, LABELS),
                                    (embeddings, ))
    # Two identical embeddings (distance 0): finite loss and gradient.
    same = torch.zeros(4, 3, requires_grad=True)
    value = TripletLoss(margin=0.3)(same, torch.tensor([0, 0, 1, 1]))
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(same.grad).all()
    torch.testing.assert_close(value, torch.tensor(0.3))


def test_triplet_half_precision_is_mined_in_float32():
    torch.manual_seed(2)
    embeddings = torch.randn(len(LABELS), 6)
    loss = TripletLoss()
    half = loss(embeddings.half(), LABELS)
    assert half.dtype == torch.float32
    torch.testing.assert_close(
        half, loss(embeddings.half().float(), LABELS))


@pytest.mark.parametrize('labels,counts', [
    ([4, 7, 9, 11], '{4: 1, 7: 1, 9: 1, 11: 1}'),
    ([3, 3, 3], '{3: 3}'),
])
def test_triplet_without_a_usable_anchor_names_the_counts(labels, counts):
    loss = TripletLoss()
    with pytest.raises(ValueError,
                       match=r'images per identity: ' +
                       counts.replace('{', r'\{').replace('}', r'\}') +
                       r'.*ins_per_id >= 2'):
        loss(torch.randn(len(labels), 3), torch.tensor(labels))
    # CPU labels cost no sync: a later bad batch is refused too.
    loss(torch.randn(4, 3), torch.tensor([0, 0, 1, 1]))
    with pytest.raises(ValueError, match='images per identity'):
        loss(torch.randn(len(labels), 3), torch.tensor(labels))


def test_triplet_bad_arguments():
    with pytest.raises(ValueError, match='margin.*-0.1'):
        TripletLoss(margin=-0.1)
    with pytest.raises(ValueError, match="distance 'l1'"):
        TripletLoss(distance='l1')
    with pytest.raises(ValueError, match="reduction 'avg'"):
        TripletLoss(reduction='avg')
    with pytest.raises(ValueError, match=r'N x D embeddings.*\(4, 3\).*'
                       r'\(5,\)'):
        TripletLoss()(torch.randn(4, 3), torch.tensor([0, 0, 1, 1, 2]))


def test_unknown_loss_type_gives_the_registry_message():
    with pytest.raises(KeyError, match='TripletLos is not in the '
                       'mmreid_dranet::model registry'):
        MODELS.build(dict(type='TripletLos'))
    with pytest.raises(KeyError, match='TripletLos is not in the'):
        ReIDLinearHead(4, 8, loss_metric=dict(type='TripletLos'))


def test_center_loss_matches_its_formula_and_gradient():
    torch.manual_seed(3)
    loss = CenterLoss(num_classes=5, in_channels=3, loss_weight=0.5)
    embeddings = torch.randn(6, 3, requires_grad=True)
    labels = torch.tensor([0, 4, 4, 2, 0, 1])
    value = loss(embeddings, labels)
    centers = loss.centers.detach()
    expected = 0.5 * sum(
        ((embeddings[i] - centers[labels[i]])**2).sum()
        for i in range(6)) / 6
    torch.testing.assert_close(value, expected)
    value.backward()
    # d/dc_k = weight * 2 * sum_{i: y_i = k} (c_k - x_i) / N
    for k in range(5):
        members = embeddings.detach()[labels == k]
        grad = 0.5 * 2 * (len(members) * centers[k] - members.sum(0)) / 6
        torch.testing.assert_close(loss.centers.grad[k], grad)
    with pytest.raises(ValueError, match=r'N x 3 embeddings.*\(6, 4\)'):
        loss(torch.randn(6, 4), labels)


def test_head_hands_num_classes_and_length_to_center_loss():
    head = ReIDLinearHead(7, 12, loss_metric=[
        dict(type='TripletLoss'), dict(type='CenterLoss')])
    center = head.metric_losses[1]
    assert center.centers.shape == (7, 12)
    with pytest.raises(ValueError, match="num_classes=3 disagrees with the "
                       "head's num_classes=7"):
        ReIDLinearHead(7, 12, loss_metric=dict(type='CenterLoss',
                                               num_classes=3))
    with pytest.raises(ValueError, match=r"same key \['loss_triplet'\]"):
        ReIDLinearHead(7, 12, loss_metric=[dict(type='TripletLoss')] * 2)


@pytest.mark.parametrize('mode', ['original', 'classy_vision'])
def test_label_smooth_loss_is_mmpretrains_without_a_sync(mode, monkeypatch):
    torch.manual_seed(4)
    logits = torch.randn(6, 5)
    labels = torch.tensor([0, 4, 1, 1, 2, 3])
    expected = MMPretrainLabelSmooth(0.1, mode=mode)(logits, labels)
    if mode == 'original':
        torch.testing.assert_close(
            expected, F.cross_entropy(logits, labels, label_smoothing=0.1))

    def no_item(*args):
        raise AssertionError('read a tensor back to the host')

    monkeypatch.setattr(torch.Tensor, 'item', no_item)
    loss = build_loss(dict(type='LabelSmoothLoss', label_smooth_val=0.1,
                           mode=mode), num_classes=5)
    assert type(loss) is LabelSmoothLoss
    torch.testing.assert_close(loss(logits, labels), expected)
