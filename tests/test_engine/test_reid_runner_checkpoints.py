"""ReIDRunner saves checkpoints atomically, refuses torn ones by name, and
reads mmengine checkpoints without changing torch's allow-list."""
import pickle

import pytest
import torch
import torch.nn as nn
from mmengine.fileio import LocalBackend
from mmengine.model import BaseModel
from torch.utils.data import Dataset

from mmreid_dranet.engine import ReIDRunner
from mmreid_dranet.utils.checkpoint import (PARTIAL_SUFFIX,
                                            IncompleteCheckpointError)


class _Linear(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 2)

    def forward(self, inputs, mode='tensor'):
        outputs = self.linear(torch.stack(inputs))
        return dict(loss=outputs.pow(2).mean()) if mode == 'loss' else outputs


class _Points(Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, index):
        return dict(inputs=torch.full((4, ), float(index)))


def _save(runner, folder, name):
    runner.save_checkpoint(str(folder), name, save_optimizer=False,
                           save_param_scheduler=False)


def _runner(work_dir, **kwargs):
    return ReIDRunner(
        model=_Linear(), work_dir=str(work_dir),
        train_dataloader=dict(dataset=_Points(), batch_size=4,
                              sampler=dict(type='DefaultSampler',
                                           shuffle=False)),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        default_scope='mmengine', **kwargs)


def test_checkpoints_are_written_atomically(tmp_path, monkeypatch):
    runner = _runner(tmp_path)
    _save(runner, tmp_path, 'epoch_1.pth')
    assert sorted(p.name for p in tmp_path.iterdir()
                  if p.suffix in ('.pth', PARTIAL_SUFFIX)) == ['epoch_1.pth']
    complete = (tmp_path / 'epoch_1.pth').read_bytes()

    def die_halfway(self, data, filepath):
        with open(filepath, 'wb') as file:
            file.write(data[:len(data) // 2])
        raise KeyboardInterrupt  # stands for a kill

    monkeypatch.setattr(LocalBackend, 'put', die_halfway)
    with pytest.raises(KeyboardInterrupt):
        _save(runner, tmp_path, 'epoch_1.pth')
    assert (tmp_path / 'epoch_1.pth').read_bytes() == complete
    assert (tmp_path / ('epoch_1.pth' + PARTIAL_SUFFIX)).stat().st_size > 0


@pytest.mark.parametrize('resume', [False, True])
def test_loading_leaves_torch_s_allow_list_as_it_was(tmp_path, resume):
    saving = _runner(tmp_path / 'a')
    # The message hub's HistoryBuffer is what torch's safe unpickler
    # refuses unless it is allow-listed.
    saving.message_hub.update_scalar('train/loss', 1.5)
    _save(saving, tmp_path, 'epoch_1.pth')
    before = set(torch.serialization.get_safe_globals())
    runner = _runner(tmp_path / 'b', load_from=str(tmp_path / 'epoch_1.pth'),
                     resume=resume)
    runner.load_or_resume()
    assert runner._has_loaded
    if resume:
        assert runner.message_hub.get_scalar('train/loss').current() == 1.5
    assert set(torch.serialization.get_safe_globals()) == before
    # Outside the runner's loads the file is refused, as torch decides.
    with pytest.raises(pickle.UnpicklingError, match='HistoryBuffer'):
        torch.load(str(tmp_path / 'epoch_1.pth'), weights_only=True)


@pytest.mark.parametrize('resume', [False, True])
def test_torn_checkpoint_is_refused_by_name(tmp_path, resume):
    _save(_runner(tmp_path / 'a'), tmp_path, 'epoch_1.pth')
    data = (tmp_path / 'epoch_1.pth').read_bytes()
    torn = tmp_path / 'torn.pth'
    torn.write_bytes(data[:len(data) * 2 // 3])
    runner = _runner(tmp_path / 'b', load_from=str(torn), resume=resume)
    with pytest.raises(IncompleteCheckpointError, match='torn.pth'):
        runner.load_or_resume()
