"""Pictures of ranked lists: a query beside its top-k gallery images.

True matches are framed green, false ones red, the query blue; results
whose match is unknown (a gallery without identities) are framed grey. The
distance is printed under each gallery image. Only OpenCV is used.
"""
import os
import os.path as osp
import re
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch

MATCH_COLOR = (0, 200, 0)  # BGR
MISMATCH_COLOR = (0, 0, 230)
UNKNOWN_COLOR = (160, 160, 160)  # neutral: no identity to compare
QUERY_COLOR = (230, 120, 0)
BACKGROUND = (255, 255, 255)
TEXT_COLOR = (0, 0, 0)


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
    """
    tile_height: int = 128
    tile_width: int = 64
    border: int = 4
    gap: int = 4
    header: int = 22
    caption: int = 18

    def tile_origin(self, position: int) -> Tuple[int, int]:
        """Top-left (y, x) of the framed tile at ``position`` (0: query)."""
        step = self.tile_width + 2 * self.border + self.gap
        x = self.gap + position * step + (2 * self.gap if position else 0)
        return self.header, x

    def canvas_size(self, num_gallery: int) -> Tuple[int, int]:
        """(height, width) of a picture with ``num_gallery`` results."""
        _, x = self.tile_origin(num_gallery + 1)
        height = (self.header + self.tile_height + 2 * self.border +
                  self.caption)
        return height, x


def ranked_gallery(dist_row: torch.Tensor, query_pid: int, query_camid: int,
                   gallery_pids: torch.Tensor, gallery_camids: torch.Tensor,
                   topk: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first ``topk`` entries of one query's evaluated ranking.

    Same protocol as the evaluation: same-pid-same-camera entries removed,
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
    kept = np.flatnonzero(~((pids == query_pid) & (cams == query_camid)))
    order = kept[np.argsort(dist_row[kept], kind='stable')[:topk]]
    return order, pids[order] == query_pid, dist_row[order]


def draw_ranked_list(query_img: np.ndarray,
                     gallery_imgs: Sequence[np.ndarray],
                     is_match: Optional[Sequence[Optional[bool]]],
                     distances: Sequence[float],
                     title: str = '',
                     layout: RankListLayout = RankListLayout()) -> np.ndarray:
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

    Returns:
        ndarray: The picture, uint8 BGR.
    """
    if is_match is None:
        is_match = [None] * len(gallery_imgs)
    if not len(gallery_imgs) == len(is_match) == len(distances):
        raise ValueError(
            f'got {len(gallery_imgs)} gallery images, {len(is_match)} match '
            f'flags and {len(distances)} distances')
    height, width = layout.canvas_size(len(gallery_imgs))
    canvas = np.full((height, width, 3), BACKGROUND, dtype=np.uint8)
    cv2.putText(canvas, title, (layout.gap, layout.header - 7),
                cv2.FONT_HERSHEY_SIMPLEX, 0.4, TEXT_COLOR, 1, cv2.LINE_AA)
    tiles = [(query_img, QUERY_COLOR, 'query')] + [
        (img, _frame_color(match), f'{dist:.3f}')
        for img, match, dist in zip(gallery_imgs, is_match, distances)
    ]
    for position, (img, color, caption) in enumerate(tiles):
        y, x = layout.tile_origin(position)
        framed_h = layout.tile_height + 2 * layout.border
        framed_w = layout.tile_width + 2 * layout.border
        canvas[y:y + framed_h, x:x + framed_w] = color
        b = layout.border
        canvas[y + b:y + b + layout.tile_height,
               x + b:x + b + layout.tile_width] = cv2.resize(
                   img, (layout.tile_width, layout.tile_height),
                   interpolation=cv2.INTER_LINEAR)
        cv2.putText(canvas, caption, (x + 2, y + framed_h + 13),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.35, TEXT_COLOR, 1,
                    cv2.LINE_AA)
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


def save_ranked_lists(out_dir: str,
                      ap: np.ndarray,
                      distance_block: Callable[[int, int], torch.Tensor],
                      query_pids: torch.Tensor,
                      query_camids: torch.Tensor,
                      gallery_pids: torch.Tensor,
                      gallery_camids: torch.Tensor,
                      query_paths: Sequence[str],
                      gallery_paths: Sequence[str],
                      topk: int = 10,
                      num_queries: int = 20,
                      layout: RankListLayout = RankListLayout()) -> List[str]:
    """Write ``worst_NNN_<query>.png`` and ``best_NNN_<query>.png`` files.

    Args:
        out_dir (str): Output folder (created).
        ap (ndarray): Q per-query average precisions (NaN: not evaluated).
        distance_block (callable): ``(start, end) -> (end-start) x G``
            distances, the ones the evaluation ranked.
        query_pids, query_camids (Tensor): Q ids.
        gallery_pids, gallery_camids (Tensor): G ids.
        query_paths, gallery_paths (Sequence[str]): Image files.
        topk (int): Gallery images per picture.
        num_queries (int): Worst and best queries drawn (each).
        layout (RankListLayout): Geometry.

    Returns:
        list[str]: The files written, worst first.
    """
    os.makedirs(out_dir, exist_ok=True)
    worst, best = select_queries(ap, num_queries)
    written = []
    for group, indices in (('worst', worst), ('best', best)):
        for number, query in enumerate(indices):
            query = int(query)
            order, is_match, dists = ranked_gallery(
                distance_block(query, query + 1)[0], int(query_pids[query]),
                int(query_camids[query]), gallery_pids, gallery_camids, topk)
            title = (f'pid {int(query_pids[query])} cam '
                     f'{int(query_camids[query])}  AP {ap[query] * 100:.1f}%')
            picture = draw_ranked_list(
                read_image(query_paths[query]),
                [read_image(gallery_paths[i]) for i in order], is_match,
                dists, title, layout)
            path = osp.join(out_dir,
                            f'{group}_{number:03d}_{_stem(query_paths[query])}'
                            '.png')
            if not cv2.imwrite(path, picture):
                raise OSError(f'could not write {path}')
            written.append(path)
    return written


def _stem(path: str) -> str:
    name = osp.splitext(osp.basename(path))[0]
    return re.sub(r'[^A-Za-z0-9_.-]', '_', name) or 'query'
