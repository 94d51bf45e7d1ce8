"""A distance limit on gallery searches: results beyond it are dropped, and
a query with none left is reported as "no match".

The limit is a plain ``max_distance`` or a calibrated
:class:`DistanceThreshold` (or its file), which must be of the gallery's
metric and, when the gallery knows its model, of that model.
"""
import warnings
from typing import NamedTuple, Optional, Union

import numpy as np

from mmreid_dranet.utils.provenance import EmbeddingProvenance
from .threshold import DistanceThreshold


class DistanceLimit(NamedTuple):
    """The largest distance a search keeps, and how to name it.

    Attributes:
        max_distance (float): Results farther than this are dropped.
        label (str): For messages: ``'FPR 1e-3'`` for a calibrated
            threshold, else ``'distance <= 0.8'``.
    """
    max_distance: float
    label: str


def distance_limit(max_distance: Optional[float],
                   threshold: Union[DistanceThreshold, str, None],
                   metric: str,
                   provenance: Optional[EmbeddingProvenance],
                   what: str = 'the gallery') -> Optional[DistanceLimit]:
    """The limit of a search, checked against the gallery.

    Args:
        max_distance (float, optional): A plain limit.
        threshold (DistanceThreshold | str, optional): A calibrated one, or
            its JSON file.
        metric (str): The gallery's distance.
        provenance (EmbeddingProvenance, optional): The gallery's model;
            None when unknown (then the threshold's model is not checked,
            with a warning).
        what (str): The gallery, in messages.

    Returns:
        DistanceLimit | None: None when neither is given.

    Raises:
        ValueError: Both given, a negative limit, or another metric.
        ProvenanceMismatchError: The threshold is of another model.
    """
    if max_distance is not None and threshold is not None:
        raise ValueError('give max_distance or threshold, not both')
    if max_distance is not None:
        value = float(max_distance)
        if not value >= 0:
            raise ValueError(f'max_distance must be a distance >= 0, got '
                             f'{max_distance!r}')
        return DistanceLimit(value, f'distance <= {value:.4g}')
    if threshold is None:
        return None
    if isinstance(threshold, str):
        threshold = DistanceThreshold.load(threshold)
    if not isinstance(threshold, DistanceThreshold):
        raise TypeError('threshold must be a DistanceThreshold or the path '
                        f'of its file, got {type(threshold).__name__}')
    if threshold.metric != metric:
        raise ValueError(
            f'the threshold was calibrated on {threshold.metric} distances '
            f'but {what} searches by {metric}: calibrate with --metric '
            f'{metric}, or build the gallery with metric='
            f'{threshold.metric!r}')
    if provenance is None:
        warnings.warn(
            f'{what} does not know which model made its embeddings, so the '
            f"threshold's model ({threshold.provenance.describe()}) is not "
            'checked; build or save the gallery with its provenance',
            stacklevel=3)
    else:
        threshold.check_model(provenance, what)
    return DistanceLimit(threshold.max_distance, threshold.label)


def limit_results(indices: np.ndarray, distances: np.ndarray,
                  limit: Optional[DistanceLimit]):
    """Drop the results beyond the limit (index -1, distance inf, as the
    padding of excluded entries).

    Returns:
        tuple: ``(indices, distances, matched)``; ``matched``: bool per
        query, whether any result is left.
    """
    if limit is not None:
        beyond = distances > limit.max_distance
        indices = np.where(beyond, -1, indices)
        distances = np.where(beyond, np.float32(np.inf), distances)
    return indices, distances, (indices >= 0).any(axis=1)


class OpenSetRates(NamedTuple):
    """How a limited search answers queries of known identity.

    Attributes:
        num_absent (int): Queries whose identity the gallery lacks.
        rejection_rate (float): Of those, the share answered "no match"
            (nan without any).
        num_present (int): Queries whose identity the gallery holds.
        detection_identification_rate (float): Of those, the share whose
            first result is of their identity and within the limit (nan
            without any).
    """
    num_absent: int
    rejection_rate: float
    num_present: int
    detection_identification_rate: float


def open_set_rates(result, first_match: np.ndarray,
                   present: np.ndarray) -> OpenSetRates:
    """The open-set numbers of a limited search.

    Args:
        result (SearchResult): Of Q queries.
        first_match (ndarray): Q bools: the first result (if any) is of the
            query's identity.
        present (ndarray): Q bools: the gallery holds the query's identity.

    Returns:
        OpenSetRates: The shares.
    """
    present = np.asarray(present, dtype=bool)
    answered = ~result.no_match
    right = answered & np.asarray(first_match, dtype=bool)
    absent = ~present

    def share(flags, among):
        return float(flags[among].mean()) if among.any() else float('nan')

    return OpenSetRates(int(absent.sum()), share(~answered, absent),
                        int(present.sum()), share(right, present))
