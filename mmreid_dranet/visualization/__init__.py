"""Ranked-list pictures of re-ID results."""
from .ranked_list import (RankListLayout, draw_ranked_list, ranked_gallery,
                          read_image, save_ranked_lists, select_queries)

__all__ = [
    'RankListLayout', 'draw_ranked_list', 'ranked_gallery', 'read_image',
    'save_ranked_lists', 'select_queries'
]
