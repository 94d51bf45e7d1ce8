import os
import pickle

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner import load_checkpoint

from mmreid_dranet.utils import load_checkpoint_safely


class _RunsShellCommand:
    """A pickle payload: unpickling it would create ``marker``."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


class _AsksForArbitraryAttribute:
    """A payload that tries the allow-listed ``getattr`` on another object."""

    def __reduce__(self):
        return getattr, (np.ndarray, 'tofile')


def test_malicious_payload_is_refused_and_not_run(tmp_path):
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': _RunsShellCommand(marker)}, path)
    with pytest.raises(pickle.UnpicklingError, match='evil.pth'):
        load_checkpoint_safely(str(path))
    # mmengine's own loader (used by load_from / --resume) refuses it too.
    with pytest.raises(pickle.UnpicklingError):
        load_checkpoint(nn.Linear(1, 1), str(path))
    assert not marker.exists()


def test_allow_listed_getattr_only_serves_history_buffer(tmp_path):
    path = tmp_path / 'getattr.pth'
    torch.save({'meta': _AsksForArbitraryAttribute()}, path)
    with pytest.raises(pickle.UnpicklingError, match='tofile'):
        load_checkpoint_safely(str(path))


def test_message_hub_state_round_trips(tmp_path):
    buffer = HistoryBuffer()
    for value in (1.0, 2.5, np.float64(4.0)):
        buffer.update(value)
    path = tmp_path / 'hub.pth'
    torch.save({'log': buffer, 'scalar': np.float32(3.5),
                'array': np.arange(4)}, path)
    loaded = load_checkpoint_safely(str(path))
    assert loaded['log'].mean() == pytest.approx(7.5 / 3)
    assert loaded['log'].current() == 4.0
    assert loaded['scalar'] == np.float32(3.5)
    np.testing.assert_array_equal(loaded['array'], np.arange(4))
