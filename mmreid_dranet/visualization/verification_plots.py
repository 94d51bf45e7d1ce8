"""Pictures of a verification: the positive and negative distance
histograms with the threshold, and the ROC on a log FPR axis with the
operating point (matplotlib's object API: no pyplot state is touched)."""
from typing import Optional

import numpy as np

FIGURE_SIZE = (6.4, 4.0)
DPI = 100


def draw_pair_histograms(histograms, threshold: Optional[float] = None,
                         label: str = '', metric: str = '') -> np.ndarray:
    """Positive and negative pairs per distance bin, each normalised to
    its own total (so both show, whatever their counts), on a log y axis.

    Args:
        histograms (PairHistograms): From :func:`pair_histograms`.
        threshold (float, optional): Drawn as a vertical line.
        label (str): Its legend, e.g. ``'FPR 1e-3'``.
        metric (str): The distance, for the x axis.

    Returns:
        ndarray: H x W x 3 uint8 BGR picture.
    """
    figure, axes = _figure()
    edges = histograms.edges
    for counts, name, colour in ((histograms.negative, 'different persons',
                                  'tab:red'),
                                 (histograms.positive, 'same person',
                                  'tab:green')):
        total = max(int(counts.sum()), 1)
        axes.stairs(counts / total, edges, fill=True, alpha=0.45,
                    color=colour, label=f'{name} ({total} pairs)')
    if threshold is not None and np.isfinite(threshold):
        axes.axvline(threshold, color='black', linestyle='--',
                     label=f'threshold {threshold:.4g}' +
                     (f' ({label})' if label else ''))
    axes.set_yscale('log')
    axes.set_xlabel(f'{metric} distance'.strip())
    axes.set_ylabel('share of pairs')
    axes.legend(loc='upper right', fontsize='small')
    return _render(figure)


def draw_roc(result, point=None) -> np.ndarray:
    """The ROC (TPR against FPR, log FPR axis) with an operating point.

    Args:
        result (VerificationResult): From :func:`evaluate_verification`.
        point (OperatingPoint, optional): Marked and labelled.

    Returns:
        ndarray: H x W x 3 uint8 BGR picture.
    """
    figure, axes = _figure()
    # The log axis cannot show FPR 0: start at one negative pair.
    floor = 1.0 / max(result.num_negative_pairs, 1)
    fpr = np.maximum(result.fpr, floor)
    axes.plot(fpr, result.tpr, color='tab:blue',
              label=f'ROC (AUC {result.auc:.4f}, EER {result.eer:.4f})')
    if point is not None:
        axes.plot([max(point.fpr, floor)], [point.tpr], 'o', color='black',
                  label=f'FPR {point.fpr:.2e} (target '
                  f'{point.target_fpr:g}): TPR {point.tpr:.3f}')
    axes.set_xscale('log')
    axes.set_xlim(floor, 1)
    axes.set_ylim(0, 1.01)
    axes.set_xlabel('false positive rate (different persons called same)')
    axes.set_ylabel('true positive rate')
    axes.grid(True, which='both', alpha=0.3)
    axes.legend(loc='lower right', fontsize='small')
    return _render(figure)


def _figure():
    from matplotlib.figure import Figure
    figure = Figure(figsize=FIGURE_SIZE, dpi=DPI)
    return figure, figure.add_subplot()


def _render(figure) -> np.ndarray:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    canvas = FigureCanvasAgg(figure)
    figure.tight_layout()
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    return np.ascontiguousarray(rgba[..., 2::-1])
