"""DRANet attention pictures: the numbers are the model's (checked against
plain formulas), and the pixels land where the numbers say."""
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmreid_dranet.models.necks import DRANeck, DRAPartBranch
from mmreid_dranet.models.utils import split_stripes, stripe_rows
from mmreid_dranet.visualization import (AttentionLayout, ImageAttention,
                                         PartAttention, dra_attention,
                                         draw_attention)
from mmreid_dranet.visualization.attention_picture import TOP_BAR_COLOR
from tests.helpers import TINY_CONFIG
from tests.helpers.scripts import load_script
from tests.helpers.tiny_model import save_tiny_checkpoint

LAYOUT = AttentionLayout(tile_height=96, tile_width=48, bars_width=80)
GREY = np.full((128, 64, 3), 128, np.uint8)


def minmax(maps):
    """Per-sample min-max of N x h x w maps, as map_norm='minmax' says."""
    flat = maps.flatten(1)
    low = flat.min(1).values[:, None, None]
    high = flat.max(1).values[:, None, None]
    return (maps - low) / (high - low + 1e-6)


def test_identity_map_is_the_map_rsam_reverses():
    torch.manual_seed(0)
    branch = DRAPartBranch(16, 16, num_classes=5, se_ratio=4).eval()
    stripe = torch.randn(3, 16, 3, 4)
    labels = torch.tensor([4, 0, 2])
    out = branch(stripe, labels)
    maps = branch.identity_map(out.spatial, labels)
    assert torch.equal(maps, out.identity_map)
    weight = branch.identity_conv.weight[:, :, 0, 0]
    reference = torch.stack([
        (weight[label][:, None, None] * out.spatial[i]).sum(0) +
        branch.identity_conv.bias[label] for i, label in enumerate(labels)
    ])
    torch.testing.assert_close(maps, minmax(reference))
    with pytest.raises(ValueError, match='num_classes=None'):
        DRAPartBranch(16, 16, None, se_ratio=4).identity_map(
            out.spatial, labels)


@pytest.fixture(scope='module')
def tiny_model():
    from mmreid_dranet.apis import init_model
    torch.manual_seed(0)
    return init_model(TINY_CONFIG, None, num_classes=5,
                      cfg_options={'model.neck.alpha_s': 2.0})


def test_attention_numbers_follow_the_formulas(tiny_model):
    torch.manual_seed(1)
    inputs = torch.randn(2, 3, 128, 64)
    result = dra_attention(tiny_model, inputs, true_labels=[3, None])
    with torch.no_grad():
        out = tiny_model.neck.forward_train(tiny_model.backbone(inputs))
    # 8 feature rows in 3 stripes: torch.tensor_split's 3 + 3 + 2
    assert [p.rows for p in result[0].parts] == [(0, 3), (3, 6), (6, 8)]
    # The same rows as the stripes the neck cut (one split for both).
    feature = torch.arange(8.).view(1, 1, 8, 1)
    assert [(int(s.min()), int(s.max()) + 1)
            for s in split_stripes(feature, 3)] == stripe_rows(8, 3)
    logits = torch.stack([p.identity_logits for p in out.parts]).mean(0)
    predicted = logits.argmax(1)
    for i, attention in enumerate(result):
        assert attention.predicted_label == int(predicted[i])
        assert attention.predicted_prob == pytest.approx(
            float(F.softmax(logits[i], 0).max()), rel=1e-5)
        for branch, part, drawn in zip(tiny_model.neck.branches, out.parts,
                                       attention.parts):
            np.testing.assert_allclose(drawn.activation,
                                       part.spatial[i].mean(0).numpy(),
                                       rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(drawn.channel_mask,
                                       part.channel_mask[i].numpy(),
                                       rtol=1e-6)
            weight = branch.identity_conv.weight[:, :, 0, 0]
            labels = {'predicted': int(predicted[i])}
            if i == 0:
                labels['true'] = 3
            assert set(drawn.identity_maps) == set(labels)
            for kind, label in labels.items():
                with torch.no_grad():
                    raw = torch.einsum('k,khw->hw', weight[label],
                                       part.spatial[i]) + \
                        branch.identity_conv.bias[label]
                h_n = minmax(raw[None])[0]
                np.testing.assert_allclose(drawn.identity_maps[kind],
                                           h_n.numpy(), atol=1e-5)
                # alpha_s = 2 from the config reaches the RSAM mask
                np.testing.assert_allclose(drawn.erase_masks[kind],
                                           ((1 - h_n)**2).numpy(), atol=1e-5)
    assert result[0].true_label == 3 and result[1].true_label is None
    with pytest.raises(ValueError, match='true label 5 is not a training'):
        dra_attention(tiny_model, inputs, true_labels=[5, None])


def hot_pixels(tile):
    """Where the JET overlay is red (high values): R well above G and B."""
    tile = tile.astype(int)
    return tile[..., 2] - np.maximum(tile[..., 0], tile[..., 1]) > 60


def synthetic_attention(hot_part, hot_cell, kind_maps=True):
    """8 x 4 feature map in stripes of 3, 3, 2 rows; one hot cell."""
    parts = []
    for index, rows in enumerate([(0, 3), (3, 6), (6, 8)]):
        values = np.zeros((rows[1] - rows[0], 4), np.float32)
        if index == hot_part:
            values[hot_cell] = 1.0
        maps = {'predicted': values} if kind_maps else {}
        erase = {'predicted': 1 - values} if kind_maps else {}
        parts.append(PartAttention(rows, values.copy(),
                                   np.linspace(0.1, 0.9, 16), maps, erase))
    return ImageAttention((8, 4), parts, predicted_label=1 if kind_maps
                          else None, predicted_prob=0.5)


@pytest.mark.parametrize('hot_part,hot_cell', [(0, (0, 0)), (1, (2, 3)),
                                               (2, (1, 1))])
def test_overlay_lies_inside_the_right_stripe(hot_part, hot_cell):
    attention = synthetic_attention(hot_part, hot_cell)
    picture = draw_attention(GREY, attention, layout=LAYOUT)
    rows = attention.parts[hot_part].rows
    y0, y1 = LAYOUT.stripe_pixel_rows(rows, 8)
    cell_h = (y1 - y0) / (rows[1] - rows[0])
    cell_w = LAYOUT.tile_width / 4
    for column in (1, 2):  # SIC activation and H_n of the predicted id
        y, x = LAYOUT.tile_origin(column)
        tile = picture[y:y + LAYOUT.tile_height, x:x + LAYOUT.tile_width]
        ys, xs = np.nonzero(hot_pixels(tile))
        assert len(ys) > 0
        assert ys.min() >= y0 and ys.max() < y1  # inside the stripe
        # around the hot cell (bilinear upsampling spreads it a cell at most)
        cy = y0 + (hot_cell[0] + 0.5) * cell_h
        cx = (hot_cell[1] + 0.5) * cell_w
        assert abs(ys.mean() - cy) < cell_h and abs(xs.mean() - cx) < cell_w


def test_erased_region_is_where_h_n_is_largest(tiny_model):
    torch.manual_seed(2)
    attention = dra_attention(tiny_model, torch.randn(1, 3, 128, 64))[0]
    picture = draw_attention(GREY, attention, layout=LAYOUT)
    y, x = LAYOUT.tile_origin(3)  # the image under the RSAM mask
    kept = picture[y:y + LAYOUT.tile_height,
                   x:x + LAYOUT.tile_width].astype(float).mean(2)
    for part in attention.parts:
        y0, y1 = LAYOUT.stripe_pixel_rows(part.rows, 8)
        h_n = part.identity_maps['predicted']
        cell_h = (y1 - y0) / h_n.shape[0]
        cell_w = LAYOUT.tile_width / h_n.shape[1]
        # the darkest pixels of the stripe lie in the largest H_n cell
        stripe = kept[y0:y1]
        ys, xs = np.nonzero(stripe == stripe.min())
        assert stripe.min() < 5
        assert set(zip((ys // cell_h).astype(int),
                       (xs // cell_w).astype(int))) == {
                           np.unravel_index(np.argmax(h_n), h_n.shape)}
        # and the least attended cell keeps the grey image
        row, col = np.unravel_index(np.argmin(h_n), h_n.shape)
        cy, cx = int(y0 + (row + 0.5) * cell_h), int((col + 0.5) * cell_w)
        assert kept[cy, cx] > 120
        # darkness follows H_n: stripe pixels sampled at the cell centres
        centres = np.array([[kept[int(y0 + (r + 0.5) * cell_h),
                                  int((c + 0.5) * cell_w)]
                             for c in range(h_n.shape[1])]
                            for r in range(h_n.shape[0])])
        # (bilinear upsampling blends neighbours a little: compare shapes)
        expected = 128 * (1 - h_n)**2
        assert np.corrcoef(centres.ravel(), expected.ravel())[0, 1] > 0.98
        assert np.abs(centres - expected).max() < 8


def test_channel_panel_marks_the_channels_rcam_suppresses_most():
    attention = synthetic_attention(0, (0, 0))
    picture = draw_attention(GREY, attention, top_channels=4, layout=LAYOUT)
    y, x = LAYOUT.tile_origin(4)  # after input, SIC, H_n, RSAM
    panel = picture[y:y + LAYOUT.tile_height, x:x + LAYOUT.bars_width]
    red = np.all(panel == TOP_BAR_COLOR, axis=2)
    columns = np.flatnonzero(red.any(axis=0))
    # m sorted largest first: the first 4 of 16 channels fill the first
    # quarter of the bars' width, starting at the left.
    width = LAYOUT.bars_width - 8
    assert columns.min() == 4 and columns.max() == 4 + width // 4 - 1


def test_neck_without_identity_maps_says_what_it_cannot_draw(tiny_model):
    model = nn.Module()
    model.backbone = tiny_model.backbone
    model.neck = DRANeck(in_channels=tiny_model.neck.in_channels,
                         reduce_channels=16, num_classes=None).eval()
    attention = dra_attention(model, torch.randn(1, 3, 128, 64))[0]
    assert attention.predicted_label is None
    assert all(not p.identity_maps for p in attention.parts)
    assert 'num_classes=None' in attention.notes[0]
    picture = draw_attention(GREY, attention, layout=LAYOUT)
    # input + SIC only, then the channel panel
    assert picture.shape[1] == (LAYOUT.tile_origin(2)[1] + LAYOUT.bars_width
                                + LAYOUT.gap)
    with pytest.raises(ValueError, match='not a training label'):
        dra_attention(model, torch.randn(1, 3, 128, 64), true_labels=[0])


def test_vis_attention_tool(synthetic_market_root, tmp_path, capsys):
    checkpoint = save_tiny_checkpoint(str(tmp_path / 'tiny.pth'))
    train = sorted((osp.join(synthetic_market_root, 'bounding_box_train',
                             n) for n in __import__('os').listdir(
                                 osp.join(synthetic_market_root,
                                          'bounding_box_train'))))[0]
    query_dir = osp.join(synthetic_market_root, 'query')
    query = osp.join(query_dir, sorted(__import__('os').listdir(query_dir))[0])
    tool = load_script('tools/visualization/vis_attention.py')
    written = tool.main([TINY_CONFIG, checkpoint, train, query, '--out-dir',
                         str(tmp_path / 'att'), '--data-root',
                         synthetic_market_root, '--tile-height', '128'])
    assert [osp.basename(p) for p in written] == [
        osp.basename(train)[:-4] + '_attention.png',
        osp.basename(query)[:-4] + '_attention.png']
    import cv2
    with_true, predicted_only = (cv2.imread(p) for p in written)
    # the training image has its true identity's H_n and mask: 2 tiles more
    tile = AttentionLayout().gap + 64
    assert with_true.shape[1] - predicted_only.shape[1] == 2 * tile
    assert with_true.shape[0] < predicted_only.shape[0]  # no note line


def test_true_identity_tiles_only_when_not_predicted():
    attention = synthetic_attention(0, (0, 0))
    for part in attention.parts:
        part.identity_maps['true'] = part.identity_maps['predicted']
        part.erase_masks['true'] = part.erase_masks['predicted']
    widths = {}
    for true_label in (1, 3):  # predicted_label is 1
        attention.true_label = true_label
        widths[true_label] = draw_attention(GREY, attention,
                                            layout=LAYOUT).shape[1]
    assert widths[3] - widths[1] == 2 * (LAYOUT.tile_width + LAYOUT.gap)


@pytest.mark.parametrize('height,parts', [(8, 3), (6, 6), (24, 4), (7, 2)])
def test_stripes_cover_the_map_top_first_with_uneven_heights(height, parts):
    rows = stripe_rows(height, parts)
    assert rows[0][0] == 0 and rows[-1][1] == height
    assert all(a[1] == b[0] for a, b in zip(rows, rows[1:]))
    sizes = [end - start for start, end in rows]
    assert max(sizes) - min(sizes) <= 1 and sizes == sorted(sizes)[::-1]
    feature = torch.randn(2, 3, height, 5)
    stripes = split_stripes(feature, parts)
    assert [s.size(2) for s in stripes] == sizes
    torch.testing.assert_close(torch.cat(stripes, dim=2), feature)
