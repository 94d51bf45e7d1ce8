"""The per-frame path of a tracker: embed the detected boxes of one frame.

A tracker calls re-ID once per frame with that frame's detections. The
boxes are cut out of the frame, clipped at its border, and embedded in one
batch by the model's own test path (:class:`ReIDInferencer`: the config's
test pipeline, data preprocessor and ``ReIDModel.embed``), so a box gives
the numbers its crop saved as a (lossless) file would give.
"""
from typing import List, Sequence, Union

import numpy as np

BOX_FORMATS = ('xywh', 'xyxy')


def clip_boxes(boxes: Union[np.ndarray, Sequence], frame_shape: tuple,
               box_format: str = 'xywh') -> np.ndarray:
    """Integer pixel boxes x1, y1, x2, y2 (x2, y2 exclusive) inside the
    frame.

    Coordinates are rounded to the nearest pixel edge, then clipped to
    ``[0, width] x [0, height]``.

    Args:
        boxes (array-like): N x 4 (more columns, e.g. a score, are
            ignored): x, y, w, h (``'xywh'``, top-left corner and size) or
            x1, y1, x2, y2 (``'xyxy'``), in pixels of the frame.
        frame_shape (tuple): The frame's (height, width, ...).
        box_format (str): ``'xywh'`` or ``'xyxy'``.

    Returns:
        np.ndarray: N x 4 int64.

    Raises:
        ValueError: A wrong shape or format, a non-finite coordinate, or a
            box empty after clipping (named by its index).
    """
    if box_format not in BOX_FORMATS:
        raise ValueError(f'box_format must be one of {BOX_FORMATS}, got '
                         f'{box_format!r}.')
    boxes = np.asarray(boxes, dtype=np.float64)
    if boxes.size == 0:
        return np.zeros((0, 4), dtype=np.int64)
    if boxes.ndim != 2 or boxes.shape[1] < 4:
        raise ValueError(f'boxes must be N x 4 ({box_format}), got shape '
                         f'{boxes.shape}.')
    bad = np.flatnonzero(~np.isfinite(boxes[:, :4]).all(axis=1))
    if len(bad):
        raise ValueError(f'box {bad[0]} has a non-finite coordinate: '
                         f'{boxes[bad[0], :4].tolist()}.')
    xyxy = boxes[:, :4].copy()
    if box_format == 'xywh':
        xyxy[:, 2:] += xyxy[:, :2]
    height, width = frame_shape[:2]
    xyxy = np.round(xyxy)
    xyxy[:, 0::2] = np.clip(xyxy[:, 0::2], 0, width)
    xyxy[:, 1::2] = np.clip(xyxy[:, 1::2], 0, height)
    xyxy = xyxy.astype(np.int64)
    empty = np.flatnonzero((xyxy[:, 2] <= xyxy[:, 0]) |
                           (xyxy[:, 3] <= xyxy[:, 1]))
    if len(empty):
        i = empty[0]
        raise ValueError(
            f'box {i} ({box_format} {boxes[i, :4].tolist()}) holds no pixel '
            f'of the {width}x{height} frame after clipping: drop it before '
            'embedding (it lies outside the frame or has no area).')
    return xyxy


def crop_boxes(frame: np.ndarray, boxes, box_format: str = 'xywh'
               ) -> List[np.ndarray]:
    """The crops of ``boxes`` (see :func:`clip_boxes`), H x W x 3 BGR."""
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or \
            frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(
            'frame: expected an H x W x 3 uint8 BGR image as cv2.imread '
            f'returns, got {type(frame).__name__} '
            f'{getattr(frame, "dtype", "")} {getattr(frame, "shape", "")}.')
    return [
        frame[y1:y2, x1:x2]
        for x1, y1, x2, y2 in clip_boxes(boxes, frame.shape, box_format)
    ]


def embed_boxes(inferencer, frame: np.ndarray, boxes,
                box_format: str = 'xywh') -> np.ndarray:
    """Embed the boxes of one frame in one batch.

    Example:
        >>> from mmreid_dranet.apis import ReIDInferencer, embed_boxes
        >>> inferencer = ReIDInferencer(config, checkpoint, device='cpu')
        >>> frame = cv2.imread('000001.jpg')  # BGR, as trackers read frames
        >>> feats = embed_boxes(inferencer, frame, [[10, 20, 40, 100]])

    Args:
        inferencer (ReIDInferencer): The model and its test path.
        frame (np.ndarray): H x W x 3 uint8 BGR (as ``cv2.imread`` gives).
        boxes (array-like): N x 4, see :func:`clip_boxes`.
        box_format (str): ``'xywh'`` (default) or ``'xyxy'``.

    Returns:
        np.ndarray: N x D float32, one row per box in order; 0 x D for no
        box (D from ``model.head.out_channels``).
    """
    crops = crop_boxes(frame, boxes, box_format)
    if not crops:
        dim = int(inferencer.model.head.out_channels)
        return np.zeros((0, dim), dtype=np.float32)
    (data, _), = inferencer.preprocess(crops, batch_size=len(crops))
    return inferencer.forward(data).float().cpu().numpy()
