"""tools/analysis_tools/calibrate_threshold.py: the threshold file, its
model, the pictures, and a held-out false positive rate near the target."""
import math

import numpy as np
import pytest
import torch

from mmreid_dranet.apis import DistanceThreshold
from mmreid_dranet.evaluation import compute_distance, save_features
from mmreid_dranet.evaluation.functional.retrieval import (is_junk,
                                                           is_true_match)
from mmreid_dranet.utils.provenance import EmbeddingProvenance
from tests.helpers.scripts import load_script

tool = load_script('tools/analysis_tools/calibrate_threshold.py')
PROVENANCE = EmbeddingProvenance('dranet_demo_synthetic', 'ab' * 32, True,
                                 True)


def identity_split(rng, first_id, num_ids, dim=32):
    """Queries and gallery of ``num_ids`` identities (2 queries and 4
    gallery images each, over 4 cameras): a shared identity direction
    plus image noise, L2-normalised, as a trained model's embeddings."""
    pids = np.arange(first_id, first_id + num_ids)
    centres = rng.normal(size=(num_ids, dim))
    qp, gp = np.repeat(pids, 2), np.repeat(pids, 4)
    qc, gc = rng.integers(0, 4, len(qp)), rng.integers(0, 4, len(gp))

    def embed(p):
        feats = 0.55 * centres[p - first_id] + rng.normal(size=(len(p), dim))
        return feats / np.linalg.norm(feats, axis=1, keepdims=True)

    return (embed(qp).astype(np.float32), embed(gp).astype(np.float32), qp,
            gp, qc, gc)


def false_positive_rate(threshold, qf, gf, qp, gp, qc, gc):
    dist = compute_distance(torch.from_numpy(qf), torch.from_numpy(gf),
                            threshold.metric).numpy()
    valid = ~is_junk(qp[:, None], qc[:, None], gp[None], gc[None])
    negative = valid & ~is_true_match(qp[:, None], qc[:, None], gp[None],
                                      gc[None])
    return float(threshold.is_same(dist[negative]).mean()), int(
        negative.sum())


def test_held_out_identities_meet_the_target_rate(tmp_path):
    """Calibrated on half of the identities, the other half's FPR lies
    within the binomial noise of the target."""
    rng = np.random.default_rng(0)
    calibration = identity_split(rng, 0, 300)
    held_out = identity_split(rng, 300, 300)
    npz = save_features(str(tmp_path / 'calib.npz'), *calibration,
                        provenance=PROVENANCE)
    target = 1e-2
    out = str(tmp_path / 'threshold.json')
    threshold = tool.main([npz, '--fpr', str(target), '--out', out])
    assert DistanceThreshold.load(out) == threshold
    assert threshold.provenance == PROVENANCE
    assert threshold.fpr <= target and threshold.metric == 'euclidean'
    measured, num_negative = false_positive_rate(threshold, *held_out)
    # Both sides' sampling noise, 4 standard deviations.
    sigma = math.sqrt(target * (1 - target) *
                      (1 / threshold.num_negative_pairs + 1 / num_negative))
    assert abs(measured - target) <= 4 * sigma, (measured, sigma)
    assert threshold.tpr > 0.1


def test_a_file_without_provenance_needs_the_model(tmp_path, capsys):
    rng = np.random.default_rng(1)
    npz = save_features(str(tmp_path / 'old.npz'),
                        *identity_split(rng, 0, 20))
    with pytest.raises(SystemExit, match='does not say which model'):
        tool.main([npz, '--out', str(tmp_path / 't.json')])
    with pytest.raises(SystemExit, match='--checkpoint needs --config'):
        tool.main([npz, '--out', str(tmp_path / 't.json'), '--checkpoint',
                   'x.pth'])
    # With the model named, its provenance goes into the file.
    threshold = tool.main([npz, '--fpr', '0.1', '--out',
                           str(tmp_path / 't.json'), '--config',
                           'configs/dranet/dranet_demo_synthetic.py'])
    assert threshold.provenance.config == 'dranet_demo_synthetic'
    assert threshold.provenance.checkpoint_sha256 == ''
