"""A grid of equally sized image tiles, each labelled underneath (the
dataset browser's picture)."""
from typing import Sequence

import cv2
import numpy as np

LABEL_HEIGHT = 14


def draw_sample_grid(tiles: Sequence[np.ndarray], labels: Sequence[str],
                     cols: int) -> np.ndarray:
    """Tiles with a text strip under each, ``cols`` per row.

    Args:
        tiles (Sequence[ndarray]): H x W x 3 uint8 BGR images; each is
            resized to the first one's size.
        labels (Sequence[str]): One text per tile.
        cols (int): Tiles per row.

    Returns:
        ndarray: rows*(H + 14) x cols*W x 3 uint8 BGR picture, white where
        no tile is.
    """
    if not tiles:
        raise ValueError('draw_sample_grid: no tiles to draw')
    if len(tiles) != len(labels):
        raise ValueError(f'draw_sample_grid: {len(tiles)} tiles but '
                         f'{len(labels)} labels')
    if cols < 1:
        raise ValueError(f'draw_sample_grid: cols must be >= 1, got {cols}')
    h, w = tiles[0].shape[:2]
    rows = -(-len(tiles) // cols)
    grid = np.full((rows * (h + LABEL_HEIGHT), cols * w, 3), 255, np.uint8)
    scale = max(0.3, min(0.45, w / 200))
    for i, (tile, text) in enumerate(zip(tiles, labels)):
        y, x = (i // cols) * (h + LABEL_HEIGHT), (i % cols) * w
        grid[y:y + h, x:x + w] = cv2.resize(tile, (w, h))
        cv2.putText(grid, text, (x + 2, y + h + LABEL_HEIGHT - 4),
                    cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 1,
                    cv2.LINE_AA)
    return grid
