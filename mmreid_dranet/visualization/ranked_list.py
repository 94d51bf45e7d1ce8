"""Pictures of ranked lists: a query beside its top-k gallery images.

True matches are framed green, false ones red, the query blue; results
whose match is unknown (a gallery without identities) are framed grey. The
distance is printed under each gallery image and, when identities are
known, the identity (its name, else ``pid N``) under that. Only OpenCV is
used. These
are the drawing primitives; :class:`ReIDVisualizer` picks the queries,
reads the images and sends the pictures to files or vis backends.
"""
import os.path as osp
import re
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
import torch

from mmreid_dranet.evaluation.functional.retrieval import (is_junk,
                                                           is_true_match)

MATCH_COLOR = (0, 200, 0)  # BGR
MISMATCH_COLOR = (0, 0, 230)
UNKNOWN_COLOR = (160, 160, 160)  # neutral: no identity to compare
QUERY_COLOR = (230, 120, 0)
BACKGROUND = (255, 255, 255)
TEXT_COLOR = (0, 0, 0)
FONT = cv2.FONT_HERSHEY_SIMPLEX
TITLE_SCALE = 0.4
CAPTION_SCALE = 0.35


@dataclass(frozen=True)
class RankListLayout:
    """Geometry of a ranked-list picture (all sizes in pixels).

    Args:
        tile_height (int): Height each image is resized to.
        tile_width (int): Width each image is resized to.
        border (int): Width of the coloured frame around each image.
        gap (int): Space between tiles (three gaps after the query).
        header (int): Height of the title band.
        caption (int): Height of the distance band under each tile.
        label (int): Height of the identity band under the distance (only
            in pictures that show identities).
    """
    tile_height: int = 128
    tile_width: int = 64
    border: int = 4
    gap: int = 4
    header: int = 22
    caption: int = 18
    label: int = 14

    def tile_origin(self, position: int) -> Tuple[int, int]:
        """Top-left (y, x) of the framed tile at ``position`` (0: query)."""
        step = self.tile_width + 2 * self.border + self.gap
        x = self.gap + position * step + (2 * self.gap if position else 0)
        return self.header, x

    def canvas_size(self, num_gallery: int,
                    labelled: bool = False) -> Tuple[int, int]:
        """(height, width) of a picture with ``num_gallery`` results
        (``labelled``: with the identity band)."""
        _, x = self.tile_origin(num_gallery + 1)
        height = (self.header + self.tile_height + 2 * self.border +
                  self.caption + (self.label if labelled else 0))
        return height, x


def identity_label(pid: int, name: str = '') -> str:
    """How the pictures name an identity: its name (``ben_0043``) when the
    data carries one, else ``pid 4``."""
    return str(name) if name else f'pid {int(pid)}'


def fit_text(text: str, width: int, scale: float = CAPTION_SCALE) -> str:
    """``text``, shortened with a trailing ``..`` until it is at most
    ``width`` pixels wide in the captions' font."""
    def size(candidate):
        return cv2.getTextSize(candidate, FONT, scale, 1)[0][0]

    if size(text) <= width:
        return text
    while text and size(text + '..') > width:
        text = text[:-1]
    return text + '..'


def ranked_gallery(dist_row: torch.Tensor, query_pid: int, query_camid: int,
                   gallery_pids: torch.Tensor, gallery_camids: torch.Tensor,
                   topk: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first ``topk`` entries of one query's evaluated ranking.

    Same protocol as the evaluation: its junk (:func:`is_junk`) removed,
    equal distances in gallery order.

    Args:
        dist_row (Tensor): G distances of the query.
        query_pid (int): Person id of the query.
        query_camid (int): Camera id of the query.
        gallery_pids, gallery_camids (Tensor): G ids of the gallery.
        topk (int): Entries to return.

    Returns:
        tuple[ndarray]: Gallery indices, match flags and distances.
    """
    dist_row = dist_row.detach().cpu().numpy()
    pids = np.asarray(gallery_pids.cpu())
    cams = np.asarray(gallery_camids.cpu())
    kept = np.flatnonzero(~is_junk(query_pid, query_camid, pids, cams))
    order = kept[np.argsort(dist_row[kept], kind='stable')[:topk]]
    is_match = is_true_match(query_pid, query_camid, pids[order], cams[order])
    return order, is_match, dist_row[order]


def draw_ranked_list(query_img: np.ndarray,
                     gallery_imgs: Sequence[np.ndarray],
                     is_match: Optional[Sequence[Optional[bool]]],
                     distances: Sequence[float],
                     title: str = '',
                     layout: RankListLayout = RankListLayout(),
                     labels: Optional[Sequence[str]] = None,
                     query_label: Optional[str] = None) -> np.ndarray:
    """Draw one query and its ranked gallery images side by side.

    Args:
        query_img (ndarray): H x W x 3 BGR query image.
        gallery_imgs (Sequence[ndarray]): BGR gallery images, best first.
        is_match (Sequence[bool | None] | None): Whether each gallery
            image is a true match (green frame) or not (red frame); None
            (for one image, or for all) when it is not known (grey frame).
        distances (Sequence[float]): Distance printed under each image.
        title (str): Text of the header band.
        layout (RankListLayout): Geometry.
        labels (Sequence[str], optional): The identity of each gallery
            image (:func:`identity_label`), printed under its distance.
        query_label (str, optional): The query's identity, under 'query'.

    Returns:
        ndarray: The picture, uint8 BGR.
    """
    if is_match is None:
        is_match = [None] * len(gallery_imgs)
    if not len(gallery_imgs) == len(is_match) == len(distances):
        raise ValueError(
            f'got {len(gallery_imgs)} gallery images, {len(is_match)} match '
            f'flags and {len(distances)} distances')
    if labels is not None and len(labels) != len(gallery_imgs):
        raise ValueError(f'got {len(gallery_imgs)} gallery images and '
                         f'{len(labels)} identity labels')
    labelled = labels is not None or query_label is not None
    height, width = layout.canvas_size(len(gallery_imgs), labelled)
    canvas = np.full((height, width, 3), BACKGROUND, dtype=np.uint8)
    cv2.putText(canvas, title, (layout.gap, layout.header - 7), FONT,
                TITLE_SCALE, TEXT_COLOR, 1, cv2.LINE_AA)
    if labels is None:
        labels = [''] * len(gallery_imgs)
    tiles = [(query_img, QUERY_COLOR, 'query', query_label or '')] + [
        (img, _frame_color(match), f'{dist:.3f}', label)
        for img, match, dist, label in zip(gallery_imgs, is_match,
                                           distances, labels)
    ]
    framed_h = layout.tile_height + 2 * layout.border
    framed_w = layout.tile_width + 2 * layout.border
    for position, (img, color, caption, label) in enumerate(tiles):
        y, x = layout.tile_origin(position)
        canvas[y:y + framed_h, x:x + framed_w] = color
        b = layout.border
        canvas[y + b:y + b + layout.tile_height,
               x + b:x + b + layout.tile_width] = cv2.resize(
                   img, (layout.tile_width, layout.tile_height),
                   interpolation=cv2.INTER_LINEAR)
        lines = [(caption, y + framed_h + 13)]
        if label:
            lines.append((label, y + framed_h + layout.caption + 10))
        for text, baseline in lines:
            cv2.putText(canvas, fit_text(text, framed_w - 2),
                        (x + 2, baseline), FONT, CAPTION_SCALE, TEXT_COLOR,
                        1, cv2.LINE_AA)
    return canvas


def _frame_color(match: Optional[bool]) -> Tuple[int, int, int]:
    if match is None:
        return UNKNOWN_COLOR
    return MATCH_COLOR if match else MISMATCH_COLOR


def read_image(path: str) -> np.ndarray:
    """Read a BGR image, with an error naming the path when it fails."""
    img = cv2.imread(path, cv2.IMREAD_COLOR) if osp.isfile(path) else None
    if img is None:
        raise FileNotFoundError(f'cannot read image {path!r} for the '
                                'ranked-list picture')
    return img


def select_queries(ap: np.ndarray, num: int) -> Tuple[np.ndarray, np.ndarray]:
    """Indices of the ``num`` worst and ``num`` best queries by AP.

    Queries without true match (AP NaN) are not shown; equal APs keep query
    order.

    Args:
        ap (ndarray): Q average precisions (NaN: no true match).
        num (int): Queries per group.

    Returns:
        tuple[ndarray]: Worst first, and best first.
    """
    valid = np.flatnonzero(~np.isnan(ap))
    ascending = valid[np.argsort(ap[valid], kind='stable')]
    descending = valid[np.argsort(-ap[valid], kind='stable')]
    return ascending[:num], descending[:num]


def select_queries_by_difference(ap_a: np.ndarray, ap_b: np.ndarray,
                                 num: int) -> np.ndarray:
    """Indices of the ``num`` queries whose APs differ most between two
    models, largest ``|ap_a - ap_b|`` first (equal differences keep query
    order). Queries without a true match in either (AP NaN) are left out.

    Args:
        ap_a, ap_b (ndarray): Q average precisions of the two models.
        num (int): Queries to return.

    Returns:
        ndarray: Query indices.
    """
    ap_a, ap_b = np.asarray(ap_a, float), np.asarray(ap_b, float)
    if ap_a.shape != ap_b.shape:
        raise ValueError(f'the two AP arrays differ in shape: {ap_a.shape} '
                         f'vs {ap_b.shape}')
    valid = np.flatnonzero(~(np.isnan(ap_a) | np.isnan(ap_b)))
    gap = np.abs(ap_a[valid] - ap_b[valid])
    return valid[np.argsort(-gap, kind='stable')[:num]]


def stack_pictures(pictures: Sequence[np.ndarray], gap: int = 6
                   ) -> np.ndarray:
    """Pictures one above the other, left-aligned, on white, ``gap`` rows
    apart (e.g. two ranked lists of the same query)."""
    width = max(p.shape[1] for p in pictures)
    height = sum(p.shape[0] for p in pictures) + gap * (len(pictures) - 1)
    canvas = np.full((height, width, 3), BACKGROUND, dtype=np.uint8)
    y = 0
    for picture in pictures:
        canvas[y:y + picture.shape[0], :picture.shape[1]] = picture
        y += picture.shape[0] + gap
    return canvas


def file_stem(path: str) -> str:
    """A file-name-safe stem of an image path (for picture names)."""
    name = osp.splitext(osp.basename(path))[0]
    return re.sub(r'[^A-Za-z0-9_.-]', '_', name) or 'query'
