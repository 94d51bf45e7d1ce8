"""ReIDVisualizer: every picture of mmreid_dranet, to files or vis backends."""
import os
import os.path as osp
from typing import List, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.dist import master_only
from mmengine.visualization import Visualizer

from mmreid_dranet.evaluation.functional.results import EvaluatedRanking
from mmreid_dranet.registry import VISUALIZERS
from .attention_picture import AttentionLayout, draw_attention
from .part_attention import ImageAttention
from .ranked_list import (RankListLayout, draw_ranked_list, file_stem,
                          identity_label, ranked_gallery, read_image,
                          select_queries, stack_pictures)
from .sample_grid import draw_sample_grid


@VISUALIZERS.register_module()
class ReIDVisualizer(Visualizer):
    """The visualizer of re-ID results (mmengine ``Visualizer`` style).

    Each ``visualize_*`` method draws one picture (OpenCV, so that tests
    can check pixels), makes it the current image (:meth:`set_image`), and
    then writes it to ``out_file`` when given, or else sends it to every
    vis backend (:meth:`add_image`: local files, TensorBoard, ...), as
    mmpretrain's ``UniversalVisualizer`` does. It returns the RGB picture.

    Args:
        name (str): Instance name. Defaults to 'visualizer'.
        image (ndarray, optional): RGB image to start with.
        vis_backends (list[dict], optional): Vis backend configs.
        save_dir (str, optional): Where the backends store their files.
        rank_layout (dict, optional): :class:`RankListLayout` fields.
        attention_layout (dict, optional): :class:`AttentionLayout` fields
            (the tile width follows the image's aspect unless given).
        fig_save_cfg, fig_show_cfg (dict): See mmengine's ``Visualizer``.
    """

    def __init__(self,
                 name: str = 'visualizer',
                 image: Optional[np.ndarray] = None,
                 vis_backends: Optional[list] = None,
                 save_dir: Optional[str] = None,
                 rank_layout: Optional[dict] = None,
                 attention_layout: Optional[dict] = None,
                 fig_save_cfg: dict = dict(frameon=False),
                 fig_show_cfg: dict = dict(frameon=False)) -> None:
        super().__init__(name=name, image=image, vis_backends=vis_backends,
                         save_dir=save_dir, fig_save_cfg=fig_save_cfg,
                         fig_show_cfg=fig_show_cfg)
        self.rank_layout = RankListLayout(**(rank_layout or {}))
        self.attention_layout = dict(attention_layout or {})

    @master_only
    def visualize_ranked_list(self,
                              query_img: np.ndarray,
                              gallery_imgs: Sequence[np.ndarray],
                              is_match: Optional[Sequence[Optional[bool]]],
                              distances: Sequence[float],
                              title: str = '',
                              name: str = 'ranked_list',
                              step: int = 0,
                              out_file: Optional[str] = None,
                              show: bool = False,
                              wait_time: float = 0,
                              labels: Optional[Sequence[str]] = None,
                              query_label: Optional[str] = None
                              ) -> np.ndarray:
        """One query beside its ranked gallery images (BGR inputs), true
        matches framed green, false red, unknown grey; ``labels`` and
        ``query_label`` are the identities printed under the images."""
        picture = draw_ranked_list(query_img, gallery_imgs, is_match,
                                   distances, title, self.rank_layout,
                                   labels, query_label)
        return self._publish(picture, name, step, out_file, show, wait_time)

    @master_only
    def visualize_ranked_lists(self,
                               ranking: EvaluatedRanking,
                               topk: int = 10,
                               num_queries: int = 20,
                               out_dir: Optional[str] = None,
                               step: int = 0) -> List[str]:
        """The worst and best queries of an evaluation, one picture each,
        named ``worst_NNN_<query>`` (lowest AP first) and
        ``best_NNN_<query>``. Identities are shown by name when the
        ranking carries names (:func:`identity_label`), else by pid.

        Args:
            ranking (EvaluatedRanking): What an evaluation ranked:
                per-query ``ap`` (NaN: no true match), the
                ``distance_block`` that was ranked, the ids and the image
                paths of both sides (what a :class:`ReIDMetric` publishes,
                or :meth:`EvaluatedRanking.from_arrays` of a feature file).
            topk (int): Gallery images per picture.
            num_queries (int): Worst and best queries drawn (each).
            out_dir (str, optional): Write ``<name>.png`` files here instead
                of sending the pictures to the vis backends.
            step (int): Step of the backends (e.g. the epoch).

        Returns:
            list[str]: The files written (with ``out_dir``) or the picture
            names, worst first.
        """
        if not isinstance(ranking, EvaluatedRanking):
            raise TypeError('ranking must be an EvaluatedRanking, got '
                            f'{type(ranking).__name__}')
        ap = np.asarray(ranking.ap)
        worst, best = select_queries(ap, num_queries)
        written = []
        for group, indices in (('worst', worst), ('best', best)):
            for number, query in enumerate(indices):
                query = int(query)
                path = str(ranking.query_paths[query])
                name = f'{group}_{number:03d}_{file_stem(path)}'
                out_file = osp.join(out_dir, f'{name}.png') if out_dir \
                    else None
                tiles, labels = self.ranked_tiles(ranking, query, topk)
                self.visualize_ranked_list(
                    *tiles, title=rank_title(ranking, query), name=name,
                    step=step, out_file=out_file, labels=labels[1:],
                    query_label=labels[0])
                written.append(out_file or name)
        return written

    @master_only
    def visualize_rank_comparison(self,
                                  rankings: Sequence[EvaluatedRanking],
                                  query: int,
                                  model_names: Sequence[str],
                                  topk: int = 10,
                                  name: str = 'rank_comparison',
                                  step: int = 0,
                                  out_file: Optional[str] = None
                                  ) -> np.ndarray:
        """The ranked lists of one query under several models, one above
        the other (the paper's Fig. 4 for any two models).

        Args:
            rankings (Sequence[EvaluatedRanking]): One ranking (as in
                :meth:`visualize_ranked_lists`) per model, same split.
            query (int): Query index.
            model_names (Sequence[str]): Shown in each row's title.
            topk (int): Gallery images per row.
        """
        rows = []
        for ranking, model in zip(rankings, model_names):
            tiles, labels = self.ranked_tiles(ranking, query, topk)
            rows.append(draw_ranked_list(
                *tiles, f'{model}: {rank_title(ranking, query)}',
                self.rank_layout, labels[1:], labels[0]))
        return self._publish(stack_pictures(rows), name, step, out_file)

    @master_only
    def visualize_attention(self,
                            image: np.ndarray,
                            attention: ImageAttention,
                            title: str = '',
                            top_channels: int = 5,
                            name: str = 'attention',
                            step: int = 0,
                            out_file: Optional[str] = None,
                            show: bool = False,
                            wait_time: float = 0) -> np.ndarray:
        """DRANet's attention in one image (see
        :func:`mmreid_dranet.visualization.draw_attention`).

        Args:
            image (ndarray): H x W x 3 uint8 BGR image as the model saw it.
            attention (ImageAttention): From :func:`dra_attention`.
        """
        layout = dict(self.attention_layout)
        tile_height = layout.get('tile_height', AttentionLayout.tile_height)
        layout.setdefault('tile_width', max(1, int(round(
            tile_height * image.shape[1] / image.shape[0]))))
        picture = draw_attention(image, attention, title, top_channels,
                                 AttentionLayout(**layout))
        return self._publish(picture, name, step, out_file, show, wait_time)

    @master_only
    def visualize_grid(self,
                       tiles: Sequence[np.ndarray],
                       labels: Sequence[str],
                       cols: int = 8,
                       name: str = 'samples',
                       step: int = 0,
                       out_file: Optional[str] = None,
                       show: bool = False,
                       wait_time: float = 0) -> np.ndarray:
        """Labelled BGR tiles in a grid (the dataset browser's picture)."""
        return self._publish(draw_sample_grid(tiles, labels, cols), name,
                             step, out_file, show, wait_time)

    @staticmethod
    def ranked_tiles(ranking: EvaluatedRanking, query: int,
                     topk: int) -> tuple:
        """What one query's picture shows.

        Returns:
            tuple: (query image, gallery images, match flags, distances),
            and the identity labels (:func:`identity_label`) of the query
            followed by those of the ranked gallery images.
        """
        order, is_match, dists = ranked_gallery(
            ranking.distance_block(query, query + 1)[0],
            int(ranking.query_pids[query]), int(ranking.query_camids[query]),
            torch.as_tensor(ranking.gallery_pids),
            torch.as_tensor(ranking.gallery_camids), topk)
        labels = [_label(ranking, 'query', query)] + [
            _label(ranking, 'gallery', int(i)) for i in order]
        return (read_image(str(ranking.query_paths[query])),
                [read_image(str(ranking.gallery_paths[i]))
                 for i in order], is_match, dists), labels

    def _publish(self, picture: np.ndarray, name: str, step: int,
                 out_file: Optional[str], show: bool = False,
                 wait_time: float = 0) -> np.ndarray:
        """Make the BGR ``picture`` the current image, then write it to
        ``out_file`` or hand it to the vis backends; returns it in RGB."""
        rgb = np.ascontiguousarray(picture[..., ::-1])
        self.set_image(rgb)
        if show:
            self.show(rgb, win_name=name, wait_time=wait_time)
        if out_file is not None:
            folder = osp.dirname(out_file)
            if folder:
                os.makedirs(folder, exist_ok=True)
            if not cv2.imwrite(out_file, picture):
                raise OSError(f'could not write the picture {out_file!r}')
        else:
            self.add_image(name, rgb, step)
        return rgb


def _label(ranking: EvaluatedRanking, side: str, index: int) -> str:
    """The identity of one sample as the pictures name it."""
    names = getattr(ranking, f'{side}_names')
    return identity_label(int(getattr(ranking, f'{side}_pids')[index]),
                          '' if names is None else str(names[index]))


def rank_title(ranking: EvaluatedRanking, query: int) -> str:
    """The title of a query's ranked list: its identity (name, else pid),
    camera and AP, e.g. ``ben_0043 cam 0  AP 50.0%``."""
    ap = float(np.asarray(ranking.ap)[query])
    return (f'{_label(ranking, "query", query)} cam '
            f'{int(ranking.query_camids[query])}  AP {ap * 100:.1f}%')
