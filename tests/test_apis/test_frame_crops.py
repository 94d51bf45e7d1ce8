"""embed_boxes: a frame's boxes in one batch, the numbers of their crops
saved as files and embedded by ReIDInferencer."""
import cv2
import numpy as np
import pytest

from mmreid_dranet.apis import embed_boxes
from mmreid_dranet.apis.frame_crops import clip_boxes
from mmreid_dranet.datasets.synthetic import (SyntheticReIDConfig, camera_look,
                                              identity_look, render)

FRAME_H, FRAME_W = 100, 160


@pytest.fixture(scope='module')
def frame():
    """A BGR frame with three people pasted in (64 x 32 each)."""
    cfg = SyntheticReIDConfig(height=64, width=32, seed=3)
    rng = np.random.default_rng(3)
    img = np.random.default_rng(0).integers(0, 255, (FRAME_H, FRAME_W, 3),
                                            dtype=np.uint8)
    for i, x in enumerate((5, 60, 120)):
        img[20:84, x:x + 32] = render(cfg, identity_look(cfg, i + 1),
                                      camera_look(cfg, 0), rng)
    return img


BOXES_XYWH = np.array([[5, 20, 32, 64], [60.4, 19.6, 32, 64],
                       [120, 30, 60, 90]])  # the last one crosses 2 borders


def test_same_numbers_as_the_crops_saved_as_files(inferencer, frame,
                                                  tmp_path):
    got = embed_boxes(inferencer, frame, BOXES_XYWH)
    assert got.dtype == np.float32 and got.shape[0] == 3
    paths = []
    for i, (x1, y1, x2, y2) in enumerate([(5, 20, 37, 84), (60, 20, 92, 84),
                                          (120, 30, 160, 100)]):
        paths.append(str(tmp_path / f'crop{i}.png'))  # lossless
        cv2.imwrite(paths[-1], frame[y1:y2, x1:x2])
    expected = inferencer(paths)['embeddings']
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)
    # The same boxes as corners give the same rows.
    xyxy = BOXES_XYWH.copy()
    xyxy[:, 2:] += xyxy[:, :2]
    np.testing.assert_allclose(
        embed_boxes(inferencer, frame, xyxy, box_format='xyxy'), got,
        rtol=0, atol=1e-6)
    # One batch or one box at a time: the same rows.
    np.testing.assert_allclose(
        embed_boxes(inferencer, frame, BOXES_XYWH[1:2]), got[1:2], rtol=0,
        atol=1e-5)


def test_no_box_gives_zero_rows_of_the_embedding_length(inferencer, frame):
    one = embed_boxes(inferencer, frame, [[5, 20, 32, 64]])
    none = embed_boxes(inferencer, frame, np.zeros((0, 4)))
    assert none.shape == (0, one.shape[1]) and none.dtype == np.float32
    assert embed_boxes(inferencer, frame, []).shape == (0, one.shape[1])


def test_clipping_and_bad_boxes_are_named():
    shape = (FRAME_H, FRAME_W, 3)
    np.testing.assert_array_equal(
        clip_boxes([[-10, -5, 30, 40], [150, 90, 20, 20]], shape),
        [[0, 0, 20, 35], [150, 90, 160, 100]])
    with pytest.raises(ValueError, match=r'box 1 .*no pixel of the 160x100'):
        clip_boxes([[0, 0, 10, 10], [170, 10, 20, 20]], shape)
    with pytest.raises(ValueError, match='box 0 .*no pixel'):
        clip_boxes([[10, 10, 20, 10]], shape, box_format='xyxy')
    with pytest.raises(ValueError, match='box 0 has a non-finite'):
        clip_boxes([[np.nan, 0, 10, 10]], shape)
    with pytest.raises(ValueError, match='N x 4'):
        clip_boxes([1, 2, 3, 4], shape)
    with pytest.raises(ValueError, match='box_format'):
        clip_boxes([[1, 2, 3, 4]], shape, box_format='cxcywh')


def test_bad_frame_is_named(inferencer):
    with pytest.raises(ValueError, match='frame: expected an H x W x 3'):
        embed_boxes(inferencer, np.zeros((10, 10), np.uint8), [[0, 0, 5, 5]])
