"""A calibrated distance threshold: "same person" at a known false-positive
rate, tied to the model whose embeddings it was calibrated on.

The file (JSON) is written by ``tools/analysis_tools/calibrate_threshold.py``
and read by searches (``ReIDGallery.search(threshold=...)``, the search
service) and by two-image verification. A pair is "the same person" when
its distance is at most ``max_distance``: the rule of a ROC over the
negated distance, where a threshold counts the pairs at or beyond it.
"""
import json
import math
import os
import os.path as osp
from dataclasses import asdict, dataclass, fields

from mmreid_dranet.evaluation.functional.distance import DISTANCE_METRICS
from mmreid_dranet.utils.provenance import EmbeddingProvenance

# Written into every file, so that a reader can refuse a future layout.
THRESHOLD_FORMAT = 'mmreid_dranet-distance-threshold-v1'


@dataclass(frozen=True)
class DistanceThreshold:
    """A distance threshold and what it was calibrated on.

    Args:
        max_distance (float): Pairs at this distance or closer are "the same
            person".
        metric (str): The distance (``'euclidean'``, squared, or
            ``'cosine'``), as in the evaluation.
        target_fpr (float): The false-positive rate asked for.
        fpr (float): The false-positive rate measured at ``max_distance`` on
            the calibration pairs (at most ``target_fpr``).
        tpr (float): The true-positive rate measured there.
        num_positive_pairs (int): Calibration pairs of the same person.
        num_negative_pairs (int): Calibration pairs of different persons.
        provenance (EmbeddingProvenance): The model the embeddings came from.
    """
    max_distance: float
    metric: str
    target_fpr: float
    fpr: float
    tpr: float
    num_positive_pairs: int
    num_negative_pairs: int
    provenance: EmbeddingProvenance

    def __post_init__(self):
        if self.metric not in DISTANCE_METRICS:
            raise ValueError(f'metric must be one of {DISTANCE_METRICS}, got '
                             f'{self.metric!r}')
        if not math.isfinite(self.max_distance) or self.max_distance < 0:
            raise ValueError('max_distance must be a finite distance >= 0, '
                             f'got {self.max_distance!r}')
        for name in ('target_fpr', 'fpr', 'tpr'):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f'{name} must lie in [0, 1], got {value!r}')

    @property
    def label(self) -> str:
        """The operating point for messages, e.g. ``'FPR 1e-3'``."""
        return f'FPR {self.target_fpr:.0e}'.replace('e-0', 'e-')

    def is_same(self, distance):
        """Whether pairs at ``distance`` (a number or an array) are the same
        person."""
        return distance <= self.max_distance

    def check_model(self, provenance: EmbeddingProvenance,
                    what: str = 'the model') -> None:
        """Refuse embeddings of a model other than the calibrated one.

        Raises:
            ProvenanceMismatchError: Naming both models.
        """
        self.provenance.check_same(provenance, 'the threshold', what)

    def save(self, path: str) -> str:
        """Write the JSON file (whole or not at all).

        Returns:
            str: The path written.
        """
        data = dict(format=THRESHOLD_FORMAT, **asdict(self))
        folder = osp.dirname(osp.abspath(path))
        os.makedirs(folder, exist_ok=True)
        partial = f'{path}.partial'
        with open(partial, 'w') as f:
            json.dump(data, f, indent=2, sort_keys=True)
            f.write('\n')
        os.replace(partial, path)
        return path

    @classmethod
    def load(cls, path: str) -> 'DistanceThreshold':
        """Read a threshold file.

        Raises:
            FileNotFoundError: No such file.
            ValueError: Not a threshold file, or a field missing or wrong
                (the file and the field are named).
        """
        if not osp.isfile(path):
            raise FileNotFoundError(f'threshold file not found: {path}')
        try:
            with open(path) as f:
                data = json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ValueError(f'{path} is not a threshold file (not JSON: '
                             f'{error})') from None
        if not isinstance(data, dict) or data.get(
                'format') != THRESHOLD_FORMAT:
            raise ValueError(f'{path} is not a threshold file (format '
                             f'{THRESHOLD_FORMAT!r} expected); write one '
                             'with tools/analysis_tools/'
                             'calibrate_threshold.py')
        names = [f.name for f in fields(cls)]
        missing = [name for name in names if name not in data]
        if missing:
            raise ValueError(f'{path}: the threshold lacks {missing}')
        values = {name: data[name] for name in names}
        values['provenance'] = EmbeddingProvenance.from_dict(
            data['provenance'], path)
        try:
            return cls(**values)
        except (TypeError, ValueError) as error:
            raise ValueError(f'{path}: {error}') from None
