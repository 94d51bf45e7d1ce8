"""How an evaluation hands what it ranked to whoever draws it.

The channel is mmengine's :class:`~mmengine.logging.MessageHub` (the
runner's current instance), as runtime information that is never saved in
checkpoints (``resumed=False``):

- a drawer (:class:`ReIDVisualizationHook`) asks, before an evaluation,
  with :func:`request_rankings`;
- a :class:`ReIDMetric` that was asked (or whose own ``publish_ranking``
  is set) publishes its :class:`EvaluatedRanking` with
  :func:`publish_ranking`, under its prefix, on the main process;
- the drawer takes the rankings with :func:`take_rankings`, which also
  withdraws the request, so that the distances (features, re-ranker) are
  freed once drawn and kept by no later evaluation that nobody asked for.

At most one ranking per metric is held: a new one replaces the last.
"""
from typing import Dict

from mmengine.logging import MessageHub

from ..functional.results import EvaluatedRanking

RANKING_REQUEST_KEY = 'reid_ranking_requested'
RANKINGS_KEY = 'reid_rankings'


def request_rankings() -> None:
    """Ask the next evaluations to publish what they rank."""
    MessageHub.get_current_instance().update_info(RANKING_REQUEST_KEY, True,
                                                  resumed=False)


def rankings_requested() -> bool:
    """Whether a drawer asked for the rankings."""
    return bool(MessageHub.get_current_instance().get_info(
        RANKING_REQUEST_KEY, False))


def publish_ranking(name: str, ranking: EvaluatedRanking) -> None:
    """Publish a metric's ranking, replacing its last one.

    Args:
        name (str): The metric's name (its prefix).
        ranking (EvaluatedRanking): What it ranked.
    """
    hub = MessageHub.get_current_instance()
    rankings = dict(hub.get_info(RANKINGS_KEY) or {})
    rankings[name] = ranking
    hub.update_info(RANKINGS_KEY, rankings, resumed=False)


def take_rankings() -> Dict[str, EvaluatedRanking]:
    """The published rankings by metric name, removed from the hub, and
    the request withdrawn."""
    hub = MessageHub.get_current_instance()
    hub.pop_info(RANKING_REQUEST_KEY)
    return dict(hub.pop_info(RANKINGS_KEY) or {})
