from .dump_embeddings import DumpReIDEmbeddings
from .published_ranking import (publish_ranking, rankings_requested,
                                request_rankings, take_rankings)
from .reid_metric import ReIDMetric

__all__ = [
    'ReIDMetric', 'DumpReIDEmbeddings', 'request_rankings',
    'rankings_requested', 'publish_ranking', 'take_rankings'
]
