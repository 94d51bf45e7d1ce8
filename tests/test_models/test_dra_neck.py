"""DRANeck against a plain re-implementation of the paper's formulas."""
import pytest
import torch
import torch.nn.functional as F

from mmreid_dranet.models.necks import DRANeck, DRANeckOutput

IN_CHANNELS, K, NUM_CLASSES = 32, 16, 5


def make_neck(**kwargs):
    torch.manual_seed(0)
    settings = dict(in_channels=IN_CHANNELS, reduce_channels=K,
                    num_classes=NUM_CLASSES, se_ratio=4)
    settings.update(kwargs)
    neck = DRANeck(**settings)
    # Non-trivial BN statistics, so that the reference must use them.
    for module in neck.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.2, 0.2)
            module.running_var.uniform_(0.5, 1.5)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.2, 0.2)
    return neck.eval()


def stripe_bounds(height, num_parts):
    """Row ranges of the stripes: the first height % P are one row taller."""
    base, extra = divmod(height, num_parts)
    bounds, top = [], 0
    for part in range(num_parts):
        bottom = top + base + (1 if part < extra else 0)
        bounds.append((top, bottom))
        top = bottom
    return bounds


def conv_bn_relu(x, conv_module, padding=0):
    bn = conv_module.bn
    y = F.conv2d(x, conv_module.conv.weight, conv_module.conv.bias,
                 padding=padding)
    y = (y - bn.running_mean[:, None, None]) / torch.sqrt(
        bn.running_var[:, None, None] + bn.eps)
    return torch.relu(y * bn.weight[:, None, None] + bn.bias[:, None, None])


def reference_part(branch, stripe, labels, alpha_c, alpha_s, map_norm):
    """The paper's formulas, written out from the branch's weights."""
    a = conv_bn_relu(stripe, branch.reduce)
    w0, w1 = branch.excite[0], branch.excite[2]
    g = a.mean(dim=(2, 3))
    m = torch.sigmoid(w1(torch.relu(w0(g))))
    b = a * m[:, :, None, None]
    c = a * (1 - m[:, :, None, None])**alpha_c
    s = conv_bn_relu(b, branch.spatial_conv, padding=1)
    h = F.conv2d(s, branch.identity_conv.weight, branch.identity_conv.bias)
    logits = h.mean(dim=(2, 3))
    h_n = h[torch.arange(len(labels)), labels]
    if map_norm == 'minmax':
        low = h_n.amin(dim=(1, 2), keepdim=True)
        high = h_n.amax(dim=(1, 2), keepdim=True)
        h_n = (h_n - low) / (high - low + 1e-6)
    else:
        h_n = torch.sigmoid(h_n)
    d = b * (1 - h_n[:, None])**alpha_s
    return dict(reduced=a, channel_mask=m, attended=b, channel_reversed=c,
                spatial=s, identity_logits=logits, identity_map=h_n,
                spatial_reversed=d)


@pytest.mark.parametrize('alpha_c,alpha_s,map_norm', [(1.0, 1.0, 'minmax'),
                                                      (2.0, 0.5, 'minmax'),
                                                      (0.7, 3.0, 'sigmoid')])
def test_branches_follow_the_formulas(alpha_c, alpha_s, map_norm):
    neck = make_neck(alpha_c=alpha_c, alpha_s=alpha_s, map_norm=map_norm)
    x = torch.randn(4, IN_CHANNELS, 7, 3)
    labels = torch.tensor([3, 0, 4, 3])
    with torch.no_grad():
        out = neck.forward_train((x, ), labels)
        embedding = neck((x, ))[0]
    assert isinstance(out, DRANeckOutput) and len(out.parts) == 3
    expected_embedding = []
    for (top, bottom), branch, part in zip(stripe_bounds(7, 3),
                                           neck.branches, out.parts):
        ref = reference_part(branch, x[:, :, top:bottom], labels, alpha_c,
                             alpha_s, map_norm)
        for name, value in ref.items():
            torch.testing.assert_close(getattr(part, name), value,
                                       rtol=1e-4, atol=1e-5, msg=name)
        expected_embedding += [ref['attended'].mean(dim=(2, 3)),
                               ref['spatial'].mean(dim=(2, 3))]
        # H_n is normalised per sample to [0, 1].
        if map_norm == 'minmax':
            flat = part.identity_map.flatten(1)
            torch.testing.assert_close(flat.amin(1), torch.zeros(4))
            torch.testing.assert_close(flat.amax(1), torch.ones(4),
                                       atol=1e-4, rtol=0)
    expected_embedding = torch.cat(expected_embedding, dim=1)
    torch.testing.assert_close(embedding, expected_embedding, rtol=1e-4,
                               atol=1e-5)
    torch.testing.assert_close(out.embedding, expected_embedding, rtol=1e-4,
                               atol=1e-5)


def test_identity_map_is_the_ground_truth_class():
    """Changing a sample's label changes its D, not the other samples'."""
    neck = make_neck()
    x = torch.randn(2, IN_CHANNELS, 6, 2)
    with torch.no_grad():
        first = neck.forward_train(x, torch.tensor([0, 1])).parts[1]
        second = neck.forward_train(x, torch.tensor([2, 1])).parts[1]
    assert not torch.allclose(first.identity_map[0], second.identity_map[0])
    torch.testing.assert_close(first.spatial_reversed[1],
                               second.spatial_reversed[1])


@pytest.mark.parametrize('num_parts,height', [(1, 6), (2, 6), (3, 6), (3, 7),
                                              (2, 5)])
def test_shapes_and_uneven_stripes(num_parts, height):
    neck = make_neck(num_parts=num_parts)
    x = torch.randn(2, IN_CHANNELS, height, 3)
    out = neck.forward_train((x, ), torch.tensor([1, 2]))
    assert [part.attended.shape[2] for part in out.parts] == [
        bottom - top for top, bottom in stripe_bounds(height, num_parts)
    ]
    assert out.embedding.shape == (2, num_parts * 2 * K)
    assert neck.out_channels == num_parts * 2 * K
    for part in out.parts:
        assert part.identity_logits.shape == (2, NUM_CLASSES)
        assert part.channel_reversed.shape == part.attended.shape
        assert part.identity_map.shape == part.attended.shape[:1] + \
            part.attended.shape[2:]
    plain = neck(x)  # a bare tensor in, a bare tensor out
    assert isinstance(plain, torch.Tensor) and plain.shape == (2, num_parts *
                                                               2 * K)


def test_without_labels_rsam_is_skipped():
    neck = make_neck()
    out = neck.forward_train(torch.randn(2, IN_CHANNELS, 6, 2))
    assert all(part.spatial_reversed is None and part.identity_map is None
               for part in out.parts)
    assert all(part.identity_logits is not None for part in out.parts)


def test_switches_drop_branches():
    x = torch.randn(2, IN_CHANNELS, 6, 2)
    labels = torch.tensor([0, 1])
    part = make_neck(use_rcam=False).forward_train(x, labels).parts[0]
    assert part.channel_reversed is None and part.spatial_reversed is not None
    part = make_neck(use_rsam=False).forward_train(x, labels).parts[0]
    assert part.spatial_reversed is None and part.channel_reversed is not None


def test_light_form_has_no_unused_parameter():
    """num_classes=None: no class maps, every parameter gets a gradient from
    the embedding alone (what DDP needs without find_unused_parameters)."""
    neck = make_neck(num_classes=None).train()
    assert not any('identity_conv' in name
                   for name, _ in neck.named_parameters())
    neck((torch.randn(3, IN_CHANNELS, 6, 2), ))[0].sum().backward()
    unused = [name for name, p in neck.named_parameters()
              if p.grad is None or not p.grad.abs().sum() > 0]
    assert unused == []
    out = neck.forward_train(torch.randn(2, IN_CHANNELS, 6, 2),
                             torch.tensor([0, 1]))
    assert out.parts[0].identity_logits is None
    assert out.parts[0].spatial_reversed is None


def _grads(loss, params):
    grads = torch.autograd.grad(loss, params, allow_unused=True,
                                retain_graph=True)
    return [0.0 if g is None else float(g.abs().sum()) for g in grads]


@pytest.mark.parametrize('detach', [True, False])
def test_detach_switch_decides_who_learns_from_the_reverse_branches(detach):
    neck = make_neck(detach_reverse=detach, alpha_c=2.0, alpha_s=2.0).train()
    x = torch.randn(4, IN_CHANNELS, 6, 2)
    labels = torch.tensor([0, 1, 2, 3])
    part = neck.forward_train(x, labels).parts[0]
    branch = neck.branches[0]
    # Stand-ins for the classifier losses: any function of C and D.
    rcam_loss = (part.channel_reversed.mean(dim=(2, 3))**2).sum()
    rsam_loss = (part.spatial_reversed.mean(dim=(2, 3))**2).sum()
    se_params = list(branch.excite.parameters())
    sic_params = list(branch.identity_conv.parameters()) + list(
        branch.spatial_conv.parameters())

    # C always trains the reduction (A_p); D always trains the CIC (B).
    assert all(g > 0 for g in _grads(rcam_loss, branch.reduce.parameters()))
    assert all(g > 0 for g in _grads(rsam_loss, se_params))
    se_from_rcam = _grads(rcam_loss, se_params)
    sic_from_rsam = _grads(rsam_loss, sic_params)
    if detach:
        assert se_from_rcam == [0.0] * len(se_params)
        assert sic_from_rsam == [0.0] * len(sic_params)
    else:
        assert all(g > 0 for g in se_from_rcam)
        assert all(g > 0 for g in sic_from_rsam)


def test_fractional_alpha_without_detach_gives_finite_gradients():
    neck = make_neck(detach_reverse=False, alpha_c=0.5, alpha_s=0.5).train()
    out = neck.forward_train(torch.randn(3, IN_CHANNELS, 6, 2),
                             torch.tensor([0, 1, 2]))
    loss = sum(p.spatial_reversed.sum() + p.channel_reversed.sum()
               for p in out.parts)
    loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in neck.parameters()
               if p.grad is not None)


def test_bad_input_errors_name_the_value():
    neck = make_neck()
    with pytest.raises(ValueError, match=r'height 2 .*num_parts=3'):
        neck((torch.randn(1, IN_CHANNELS, 2, 4), ))
    with pytest.raises(ValueError, match=r'in_channels=32.*\(1, 64, 6, 2\)'):
        neck((torch.randn(1, 64, 6, 2), ))
    with pytest.raises(ValueError, match=r"map_norm 'softmax'"):
        DRANeck(map_norm='softmax')
    with pytest.raises(ValueError, match=r'reduce_channels=8 .*se_ratio=16'):
        DRANeck(reduce_channels=8)
    with pytest.raises(ValueError, match=r'alpha_s must be > 0, got 0'):
        DRANeck(alpha_s=0)
