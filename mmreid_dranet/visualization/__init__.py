"""Pictures of re-ID results, drawn by the registered ReIDVisualizer:
ranked lists (one model or two compared), DRANet's attention, sample
grids, verification histograms and ROC."""
from .attention_picture import AttentionLayout, draw_attention
from .part_attention import ImageAttention, PartAttention, dra_attention
from .ranked_list import (RankListLayout, draw_ranked_list, file_stem,
                          ranked_gallery, read_image, select_queries,
                          select_queries_by_difference, stack_pictures)
from .reid_visualizer import ReIDVisualizer
from .sample_grid import draw_sample_grid
from .verification_plots import draw_pair_histograms, draw_roc

__all__ = [
    'ReIDVisualizer', 'RankListLayout', 'draw_ranked_list',
    'ranked_gallery', 'read_image', 'select_queries',
    'select_queries_by_difference', 'stack_pictures', 'file_stem',
    'AttentionLayout', 'draw_attention', 'ImageAttention', 'PartAttention',
    'dra_attention', 'draw_sample_grid', 'draw_pair_histograms', 'draw_roc'
]
