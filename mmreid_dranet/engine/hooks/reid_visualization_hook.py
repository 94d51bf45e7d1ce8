"""Ranked-list pictures of validation and test runs, through the visualizer.

``tools/test.py --show-dir DIR`` turns it on for a test run; a config turns
it on for validation with
``default_hooks.visualization=dict(enable=True)``.
"""
import os.path as osp
from typing import Dict, Optional

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import EpochBasedTrainLoop

from mmreid_dranet.registry import HOOKS


@HOOKS.register_module()
class ReIDVisualizationHook(Hook):
    """Draw the worst and best queries of each evaluation.

    Before each evaluation it draws, it asks the evaluation, through the
    message hub, to publish what it ranks
    (:func:`mmreid_dranet.evaluation.request_rankings`); after it, it takes
    the published rankings (which frees them) and hands each to the
    runner's :class:`ReIDVisualizer`, which writes
    ``worst_NNN_<query>.png`` / ``best_NNN_<query>.png`` into ``out_dir``
    or, without ``out_dir``, sends them to its vis backends
    (``LocalVisBackend``, ``TensorboardVisBackend``...; the step is the
    epoch, or the iteration for iteration-based training). The metrics are
    left untouched (their numbers do not change); only rank 0 draws.

    Args:
        enable (bool): Draw at all. Defaults to False (opt-in).
        topk (int): Gallery images per picture. Defaults to 10.
        num_queries (int): Worst and best queries drawn (each). Defaults to
            20.
        out_dir (str, optional): Folder for PNG files instead of the
            backends. Validation pictures go to ``out_dir/<step>/``.
        interval (int): Draw every ``interval``-th validation. Defaults
            to 1.
    """
    priority = 'LOW'

    def __init__(self,
                 enable: bool = False,
                 topk: int = 10,
                 num_queries: int = 20,
                 out_dir: Optional[str] = None,
                 interval: int = 1) -> None:
        for key, value in (('topk', topk), ('num_queries', num_queries),
                           ('interval', interval)):
            if isinstance(value, bool) or not isinstance(value, int) or \
                    value < 1:
                raise ValueError(f'ReIDVisualizationHook: {key} must be a '
                                 f'positive int, got {value!r}')
        self.enable = enable
        self.topk = topk
        self.num_queries = num_queries
        self.out_dir = out_dir
        self.interval = interval
        self._validations = 0

    def before_val_epoch(self, runner) -> None:
        self._validations += 1
        if self._due():
            self._request(runner.val_loop.evaluator)

    def after_val_epoch(self, runner, metrics: Optional[Dict] = None) -> None:
        if not self._due():
            return
        step = runner.epoch if isinstance(runner.train_loop,
                                          EpochBasedTrainLoop) \
            else runner.iter
        out_dir = None if self.out_dir is None else osp.join(
            self.out_dir, str(step))
        self._draw(runner, out_dir, step)

    def before_test_epoch(self, runner) -> None:
        if self.enable:
            self._request(runner.test_loop.evaluator)

    def after_test_epoch(self, runner, metrics: Optional[Dict] = None) -> None:
        if self.enable:
            self._draw(runner, self.out_dir, 0)

    def _due(self) -> bool:
        return self.enable and self._validations % self.interval == 0

    @staticmethod
    def _request(evaluator) -> None:
        from mmreid_dranet.evaluation import ReIDMetric, request_rankings
        if not any(isinstance(m, ReIDMetric) for m in evaluator.metrics):
            raise ValueError('ReIDVisualizationHook draws the rankings of a '
                             'ReIDMetric; the evaluator has none')
        request_rankings()

    def _draw(self, runner, out_dir: Optional[str], step: int) -> None:
        from mmreid_dranet.evaluation import take_rankings
        from mmreid_dranet.visualization import ReIDVisualizer
        visualizer = runner.visualizer
        # Ranks other than 0 publish nothing.
        for ranking in take_rankings().values():
            if not isinstance(visualizer, ReIDVisualizer):
                raise TypeError(
                    'ReIDVisualizationHook needs the config\'s visualizer to '
                    "be dict(type='ReIDVisualizer', ...), got "
                    f'{type(visualizer).__name__}')
            written = visualizer.visualize_ranked_lists(
                ranking, self.topk, self.num_queries, out_dir, step)
            where = out_dir if out_dir is not None else 'the vis backends'
            print_log(f'Drew {len(written)} ranked-list pictures to {where}',
                      logger='current')
