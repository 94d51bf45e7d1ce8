"""EmbeddingProvenance: what embeddings depend on, and the refusal of a
mix of two models' numbers."""
import hashlib

import numpy as np
import pytest
from mmengine.config import Config

from mmreid_dranet.evaluation.functional import (load_feature_provenance,
                                                 load_features, save_features)
from mmreid_dranet.utils.provenance import (EmbeddingProvenance,
                                            ProvenanceMismatchError,
                                            file_sha256)


def _provenance(**changes):
    fields = dict(config='dranet_demo_synthetic', checkpoint_sha256='ab' * 32,
                  flip=False, l2_normalize=True)
    fields.update(changes)
    return EmbeddingProvenance(**fields)


def test_file_sha256_is_the_hash_of_the_bytes(tmp_path):
    path = tmp_path / 'epoch_1.pth'
    data = np.random.default_rng(0).bytes(3 * (1 << 20) + 17)
    path.write_bytes(data)
    assert file_sha256(str(path)) == hashlib.sha256(data).hexdigest()
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        file_sha256(str(tmp_path / 'missing.pth'))


def test_from_config_reads_name_test_cfg_and_checkpoint(tmp_path):
    checkpoint = tmp_path / 'w.pth'
    checkpoint.write_bytes(b'weights')
    config = tmp_path / 'configs' / 'dranet_r50_market.py'
    config.parent.mkdir()
    config.write_text('model = dict(test_cfg=dict(flip=True, '
                      'l2_normalize=False))\n')
    cfg = Config.fromfile(str(config))
    provenance = EmbeddingProvenance.from_config(cfg, str(checkpoint))
    assert provenance == EmbeddingProvenance(
        'dranet_r50_market', hashlib.sha256(b'weights').hexdigest(), True,
        False)
    normalized = EmbeddingProvenance.from_config(cfg, None,
                                                 normalize_features=True)
    assert normalized.l2_normalize and normalized.checkpoint_sha256 == ''


def test_json_round_trip_and_bad_fields():
    provenance = _provenance()
    assert EmbeddingProvenance.from_json(provenance.to_json()) == provenance
    with pytest.raises(ValueError, match=r"t\.json.*missing \['flip'\]"):
        EmbeddingProvenance.from_dict(
            dict(config='a', checkpoint_sha256='', l2_normalize=True),
            't.json')
    with pytest.raises(ValueError, match="'flip' must be bool"):
        EmbeddingProvenance.from_dict(
            dict(config='a', checkpoint_sha256='', flip='no',
                 l2_normalize=True))
    with pytest.raises(ValueError, match='not JSON'):
        EmbeddingProvenance.from_json('{', 'x.json')


def test_check_same_names_both_sides_and_every_difference():
    ours = _provenance()
    ours.check_same(_provenance(), 'threshold.json', 'the model')
    other = _provenance(checkpoint_sha256='cd' * 32, flip=True)
    with pytest.raises(ProvenanceMismatchError) as error:
        ours.check_same(other, 'threshold.json', 'the model')
    message = str(error.value)
    assert 'threshold.json' in message and 'the model' in message
    assert 'checkpoint_sha256' in message and 'flip' in message
    assert 'config' not in message.split('(')[1].split(')')[0]


def test_feature_file_carries_the_provenance(tmp_path):
    rng = np.random.default_rng(0)
    args = (rng.standard_normal((3, 4)), rng.standard_normal((5, 4)),
            np.arange(3), np.arange(5), np.zeros(3), np.ones(5))
    with_it = save_features(str(tmp_path / 'with.npz'), *args,
                            provenance=_provenance())
    without = save_features(str(tmp_path / 'without.npz'), *args)
    assert load_feature_provenance(with_it) == _provenance()
    assert load_feature_provenance(without) is None
    # The arrays read as before.
    np.testing.assert_array_equal(load_features(with_it)['gallery_camids'],
                                  np.ones(5))
