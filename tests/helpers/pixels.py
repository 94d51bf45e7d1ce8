"""Pixel helpers shared by the visualization tests."""
import numpy as np


def frame_colors(picture, num_tiles, layout, top=0):
    """The colour of the frame of each tile of a ranked list drawn with
    ``layout`` whose picture starts at row ``top``: one BGR tuple per tile
    if its four edges are one colour, else None."""
    colors = []
    for position in range(num_tiles):
        y, x = layout.tile_origin(position)
        y += top
        h = layout.tile_height + 2 * layout.border
        w = layout.tile_width + 2 * layout.border
        edges = np.concatenate([
            picture[y, x:x + w], picture[y + h - 1, x:x + w],
            picture[y:y + h, x], picture[y:y + h, x + w - 1],
            picture[y + layout.border - 1, x + layout.border - 1:x + w -
                    layout.border + 1]
        ])
        unique = np.unique(edges, axis=0)
        colors.append(tuple(int(c) for c in unique[0])
                      if len(unique) == 1 else None)
    return colors
