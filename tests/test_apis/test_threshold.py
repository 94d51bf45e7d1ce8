"""DistanceThreshold: the file round trip, its checks, and the refusal of
another model's embeddings."""
import json

import numpy as np
import pytest

from mmreid_dranet.apis import DistanceThreshold
from mmreid_dranet.utils.provenance import (EmbeddingProvenance,
                                            ProvenanceMismatchError)

PROVENANCE = EmbeddingProvenance('dranet_demo_synthetic', 'ab' * 32, False,
                                 True)


def _threshold(**changes):
    fields = dict(max_distance=0.75, metric='euclidean', target_fpr=1e-3,
                  fpr=8e-4, tpr=0.91, num_positive_pairs=120,
                  num_negative_pairs=50000, provenance=PROVENANCE)
    fields.update(changes)
    return DistanceThreshold(**fields)


def test_round_trip_and_rule(tmp_path):
    threshold = _threshold()
    path = threshold.save(str(tmp_path / 'sub' / 'threshold.json'))
    assert DistanceThreshold.load(path) == threshold
    assert threshold.label == 'FPR 1e-3'
    np.testing.assert_array_equal(
        threshold.is_same(np.array([0.5, 0.75, 0.7500001])),
        [True, True, False])


def test_bad_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing.json'):
        DistanceThreshold.load(str(tmp_path / 'nothing.json'))
    other = tmp_path / 'other.json'
    other.write_text(json.dumps({'max_distance': 1.0}))
    with pytest.raises(ValueError, match='other.json is not a threshold'):
        DistanceThreshold.load(str(other))
    broken = tmp_path / 'broken.json'
    data = json.loads(open(_threshold().save(str(broken))).read())
    data['tpr'] = 3.0
    broken.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r'broken.json: tpr must lie'):
        DistanceThreshold.load(str(broken))
    with pytest.raises(ValueError, match='metric must be one of'):
        _threshold(metric='manhattan')


def test_another_models_embeddings_are_refused():
    threshold = _threshold()
    threshold.check_model(PROVENANCE)
    retrained = EmbeddingProvenance('dranet_demo_synthetic', 'cd' * 32, False,
                                    True)
    with pytest.raises(ProvenanceMismatchError,
                       match='the threshold.*the gallery.*checkpoint_sha256'):
        threshold.check_model(retrained, 'the gallery')
