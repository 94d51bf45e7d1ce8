"""Pure numpy/torch re-ID evaluation: distances, ranking, re-ranking,
search."""
from .distance import DISTANCE_METRICS, PairwiseDistance, compute_distance
from .feature_io import load_feature_provenance, load_features, save_features
from .pair_histograms import PairHistograms, pair_histograms
from .query_expansion import AQEOptions, average_query_expansion
from .ranking import GalleryIdentityIndex, MatchRanks, rank_true_matches
from .reid_evaluation import (QueryScores, evaluate_distance_matrix,
                              evaluate_reid, score_queries, summarize_scores)
from .rerank import (RERANK_VARIANTS, KReciprocalReranker, RerankOptions,
                     k_reciprocal_rerank)
from .results import EvaluatedRanking, ReIDEvaluationResult
from .retrieval import (DEFAULT_BLOCK_ELEMENTS, FEATURE_FILE_KEYS,
                        GALLERY_FILE_KEYS, is_junk, is_true_match)
from .search import GalleryBlocks, TopK, exact_topk, junk_exclusion
from .verification import (OperatingPoint, VerificationResult,
                           evaluate_verification, verification_metrics)

__all__ = [
    'DISTANCE_METRICS', 'PairwiseDistance', 'compute_distance',
    'GalleryIdentityIndex', 'MatchRanks', 'rank_true_matches', 'QueryScores',
    'evaluate_reid', 'evaluate_distance_matrix', 'score_queries',
    'summarize_scores', 'ReIDEvaluationResult', 'EvaluatedRanking',
    'KReciprocalReranker', 'RerankOptions', 'k_reciprocal_rerank',
    'RERANK_VARIANTS', 'AQEOptions', 'average_query_expansion',
    'load_features', 'load_feature_provenance', 'save_features',
    'FEATURE_FILE_KEYS',
    'GALLERY_FILE_KEYS', 'DEFAULT_BLOCK_ELEMENTS', 'is_junk',
    'is_true_match', 'GalleryBlocks', 'TopK', 'exact_topk', 'junk_exclusion',
    'evaluate_verification', 'VerificationResult', 'OperatingPoint',
    'verification_metrics', 'pair_histograms', 'PairHistograms'
]
