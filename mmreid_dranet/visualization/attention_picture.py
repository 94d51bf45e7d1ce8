"""One picture of what DRANet attends to in one image (OpenCV only).

Left to right: the input; the SIC activation (mean of S over channels) of
each part overlaid on its stripe; the identity map H_n of the predicted
identity and the RSAM mask (1 - H_n) ** alpha_s applied to the image (dark:
what RSAM erases to make its spatial hard example); the same for the true
identity when it is known and differs from the predicted one; and per part
the CIC channel mask m sorted, the channels RCAM suppresses most (largest m)
in red with their indices. Each map is upsampled into the pixel rows of its
own stripe.
"""
from dataclasses import dataclass
from typing import List, Sequence, Tuple

import cv2
import numpy as np

from .part_attention import ImageAttention

BACKGROUND = (255, 255, 255)
TEXT_COLOR = (0, 0, 0)
NOTE_COLOR = (0, 0, 180)
STRIPE_LINE = (255, 255, 255)
BAR_COLOR = (150, 150, 150)
TOP_BAR_COLOR = (0, 0, 220)  # BGR red: channels RCAM suppresses most
HEAT_WEIGHT = 0.5
FONT = cv2.FONT_HERSHEY_SIMPLEX
# (feature rows [start, end), h x w map) of each part stripe
Stripes = Sequence[Tuple[Tuple[int, int], np.ndarray]]


@dataclass(frozen=True)
class AttentionLayout:
    """Geometry of an attention picture (pixels).

    Args:
        tile_height (int): Height of every image tile.
        tile_width (int): Width of every image tile.
        bars_width (int): Width of the channel-mask panel.
        gap (int): Space between tiles.
        header (int): Height of the title band (two lines).
        caption (int): Height of the band under the tiles.
        note_height (int): Height of one note line at the bottom.
    """
    tile_height: int = 256
    tile_width: int = 128
    bars_width: int = 150
    gap: int = 6
    header: int = 38
    caption: int = 18
    note_height: int = 16

    def tile_origin(self, column: int) -> Tuple[int, int]:
        """Top-left (y, x) of image tile ``column`` (0: the input)."""
        return self.header, self.gap + column * (self.tile_width + self.gap)

    def stripe_pixel_rows(self, rows: Tuple[int, int],
                          feature_height: int) -> Tuple[int, int]:
        """Tile rows [y0, y1) covered by feature rows [start, end)."""
        scale = self.tile_height / feature_height
        return int(round(rows[0] * scale)), int(round(rows[1] * scale))


def heat_overlay(tile: np.ndarray, stripes: Stripes,
                 feature_height: int, layout: AttentionLayout) -> np.ndarray:
    """Colour each stripe's map (values in [0, 1]) over its own rows.

    Args:
        tile (ndarray): tile_height x tile_width x 3 BGR image.
        stripes (Sequence): ``(feature rows, h x w map)`` per part.
        feature_height (int): Rows of the whole feature map.
        layout (AttentionLayout): Geometry.

    Returns:
        ndarray: The tile with a JET heat map blended in (red: high).
    """
    out = tile.copy()
    for rows, values in stripes:
        y0, y1 = layout.stripe_pixel_rows(rows, feature_height)
        heat = _upsample(values, y1 - y0, layout.tile_width)
        colored = cv2.applyColorMap(
            (np.clip(heat, 0, 1) * 255).round().astype(np.uint8),
            cv2.COLORMAP_JET)
        out[y0:y1] = cv2.addWeighted(tile[y0:y1], 1 - HEAT_WEIGHT, colored,
                                     HEAT_WEIGHT, 0)
    _stripe_lines(out, [r for r, _ in stripes], feature_height, layout)
    return out


def masked(tile: np.ndarray, stripes: Stripes,
           feature_height: int, layout: AttentionLayout) -> np.ndarray:
    """The tile multiplied by each stripe's mask (0 erases to black)."""
    out = tile.astype(np.float32)
    for rows, values in stripes:
        y0, y1 = layout.stripe_pixel_rows(rows, feature_height)
        mask = np.clip(_upsample(values, y1 - y0, layout.tile_width), 0, 1)
        out[y0:y1] *= mask[:, :, None]
    out = out.round().astype(np.uint8)
    _stripe_lines(out, [r for r, _ in stripes], feature_height, layout)
    return out


def draw_channel_bars(panel: np.ndarray, mask: np.ndarray, top: int,
                      y0: int, y1: int) -> List[int]:
    """Draw m sorted (largest first) as bars in rows [y0, y1) of ``panel``.

    Returns:
        list[int]: The ``top`` channels with the largest m (drawn red).
    """
    order = np.argsort(-mask, kind='stable')
    ranked = mask[order]
    width = panel.shape[1] - 8
    text_rows = 13
    top_channels = [int(c) for c in order[:top]]
    cv2.putText(panel, 'top: ' + ','.join(map(str, top_channels)),
                (4, y0 + 10), FONT, 0.3, TEXT_COLOR, 1, cv2.LINE_AA)
    base, room = y1 - 3, max(y1 - 3 - (y0 + text_rows), 1)
    num = len(ranked)
    for x in range(width):
        index = min(x * num // width, num - 1)
        height = int(round(float(ranked[index]) * room))
        color = TOP_BAR_COLOR if index < top else BAR_COLOR
        panel[base - height:base, 4 + x] = color
    panel[base, 4:4 + width] = TEXT_COLOR
    return top_channels


def draw_attention(image: np.ndarray, attention: ImageAttention,
                   title: str = '', top_channels: int = 5,
                   layout: AttentionLayout = AttentionLayout()) -> np.ndarray:
    """The attention picture of one image.

    Args:
        image (ndarray): H x W x 3 uint8 BGR image as the model saw it.
        attention (ImageAttention): From :func:`dra_attention`.
        title (str): First header line (e.g. the file name).
        top_channels (int): Channels marked as most suppressed by RCAM.
        layout (AttentionLayout): Geometry.

    Returns:
        ndarray: The picture, uint8 BGR.
    """
    tile = cv2.resize(image, (layout.tile_width, layout.tile_height),
                      interpolation=cv2.INTER_LINEAR)
    height = attention.feature_size[0]
    parts = attention.parts
    tiles = [(tile, 'input'),
             (heat_overlay(tile, [(p.rows, _stretch(p.activation))
                                  for p in parts], height, layout),
              'SIC mean(S)')]
    same = attention.true_label == attention.predicted_label
    for kind in ('predicted', 'true'):
        if kind not in parts[0].identity_maps or (kind == 'true' and same):
            continue  # a true identity that was predicted adds nothing
        short = 'pred' if kind == 'predicted' else 'true'
        tiles.append((heat_overlay(tile, [(p.rows, p.identity_maps[kind])
                                          for p in parts], height, layout),
                      f'H_n {short}'))
        tiles.append((masked(tile, [(p.rows, p.erase_masks[kind])
                                    for p in parts], height, layout),
                      f'RSAM keeps {short}'))
    width = (layout.tile_origin(len(tiles))[1] + layout.bars_width +
             layout.gap)
    notes = _wrap(attention.notes, (width - 2 * layout.gap) // 6)
    total = (layout.header + layout.tile_height + layout.caption +
             layout.note_height * len(notes) + 4)
    canvas = np.full((total, width, 3), BACKGROUND, np.uint8)
    cv2.putText(canvas, title, (layout.gap, 14), FONT, 0.4, TEXT_COLOR, 1,
                cv2.LINE_AA)
    cv2.putText(canvas, _identity_line(attention), (layout.gap, 30), FONT,
                0.4, TEXT_COLOR, 1, cv2.LINE_AA)
    for column, (picture, caption) in enumerate(tiles):
        y, x = layout.tile_origin(column)
        canvas[y:y + layout.tile_height, x:x + layout.tile_width] = picture
        cv2.putText(canvas, caption, (x + 1, y + layout.tile_height + 13),
                    FONT, 0.33, TEXT_COLOR, 1, cv2.LINE_AA)
    y, x = layout.tile_origin(len(tiles))
    panel = canvas[y:y + layout.tile_height, x:x + layout.bars_width]
    for part in parts:
        y0, y1 = layout.stripe_pixel_rows(part.rows, height)
        draw_channel_bars(panel, part.channel_mask, top_channels, y0, y1)
    cv2.putText(canvas, 'CIC m sorted (red: RCAM cuts)',
                (x, y + layout.tile_height + 13), FONT, 0.33, TEXT_COLOR, 1,
                cv2.LINE_AA)
    for line, note in enumerate(notes):
        cv2.putText(canvas, note,
                    (layout.gap, y + layout.tile_height + layout.caption +
                     layout.note_height * (line + 1) - 4), FONT, 0.35,
                    NOTE_COLOR, 1, cv2.LINE_AA)
    return canvas


def _identity_line(attention: ImageAttention) -> str:
    if attention.predicted_label is None:
        return 'no identity maps'
    text = (f'predicted id {attention.predicted_label} '
            f'(p={attention.predicted_prob:.2f})')
    if attention.true_label == attention.predicted_label:
        text += '   = true id'
    elif attention.true_label is not None:
        text += f'   true id {attention.true_label}'
    return text + f'   alpha_s={attention.alpha_s:g}'


def _wrap(notes: Sequence[str], chars: int) -> List[str]:
    """Notes cut into lines of at most ``chars`` characters, at spaces."""
    lines = []
    for note in notes:
        line = ''
        for word in note.split():
            if line and len(line) + 1 + len(word) > chars:
                lines.append(line)
                line = '  ' + word
            else:
                line = f'{line} {word}' if line else word
        lines.append(line)
    return lines


def _upsample(values: np.ndarray, height: int, width: int) -> np.ndarray:
    return cv2.resize(values.astype(np.float32), (width, height),
                      interpolation=cv2.INTER_LINEAR)


def _stretch(values: np.ndarray) -> np.ndarray:
    """Min-max to [0, 1] (the SIC activation has no scale of its own)."""
    low, high = float(values.min()), float(values.max())
    return (values - low) / max(high - low, 1e-12)


def _stripe_lines(tile: np.ndarray, rows: Sequence[Tuple[int, int]],
                  feature_height: int, layout: AttentionLayout) -> None:
    for stripe in rows[1:]:
        y0, _ = layout.stripe_pixel_rows(stripe, feature_height)
        tile[y0] = STRIPE_LINE
