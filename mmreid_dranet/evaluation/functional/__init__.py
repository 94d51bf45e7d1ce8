"""Pure numpy/torch re-ID evaluation: distances, ranking, re-ranking."""
from .distance import DISTANCE_METRICS, PairwiseDistance, compute_distance
from .feature_io import load_features, save_features
from .ranking import GalleryIdentityIndex, MatchRanks, rank_true_matches
from .reid_evaluation import (QueryScores, evaluate_distance_matrix,
                              evaluate_reid, score_queries, summarize_scores)
from .query_expansion import average_query_expansion
from .rerank import (RERANK_VARIANTS, KReciprocalReranker,
                     k_reciprocal_rerank)

__all__ = [
    'DISTANCE_METRICS', 'PairwiseDistance', 'compute_distance',
    'GalleryIdentityIndex', 'MatchRanks', 'rank_true_matches', 'QueryScores',
    'evaluate_reid', 'evaluate_distance_matrix', 'score_queries',
    'summarize_scores', 'KReciprocalReranker', 'k_reciprocal_rerank',
    'load_features', 'save_features', 'average_query_expansion',
    'RERANK_VARIANTS'
]
