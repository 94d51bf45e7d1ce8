"""Torn checkpoint files: detection, the resume choice, finished runs."""
import os

import pytest
import torch

from mmreid_dranet.utils.checkpoint import (IncompleteCheckpointError,
                                            check_checkpoint_complete,
                                            find_resume_checkpoint,
                                            finished_run_message,
                                            load_checkpoint_safely)


def _save(path, epoch=1, iteration=10, legacy=False):
    checkpoint = dict(meta=dict(epoch=epoch, iter=iteration),
                      state_dict=dict(weight=torch.arange(5000.)))
    torch.save(checkpoint, path, _use_new_zipfile_serialization=not legacy)
    return str(path)


def _truncate(path, keep):
    data = open(path, 'rb').read()
    with open(path, 'wb') as file:
        file.write(data[:keep])
    return len(data)


def test_complete_files_pass(tmp_path):
    for path in (_save(tmp_path / 'zip.pth'),
                 _save(tmp_path / 'legacy.pth', legacy=True)):
        check_checkpoint_complete(path)  # raises for an incomplete file
        # What the check let through is the whole checkpoint.
        loaded = torch.load(path, weights_only=True)
        assert loaded['meta'] == dict(epoch=1, iter=10)
        assert torch.equal(loaded['state_dict']['weight'],
                           torch.arange(5000.))


@pytest.mark.parametrize('fraction', [0.0, 0.001, 0.5, 0.999])
def test_torn_zip_checkpoints_are_named_and_called_incomplete(
        tmp_path, fraction):
    path = _save(tmp_path / 'epoch_3.pth')
    size = os.path.getsize(path)
    keep = min(int(size * fraction), size - 1)
    _truncate(path, keep)
    with pytest.raises(IncompleteCheckpointError) as error:
        check_checkpoint_complete(path)
    assert repr(path) in str(error.value)
    assert f'ends after {keep} bytes' in str(error.value)
    with pytest.raises(IncompleteCheckpointError, match='epoch_3.pth'):
        load_checkpoint_safely(path)
    # torch's own loader fails on it with a zip-reader error, not ours.
    with pytest.raises(Exception) as torch_error:
        torch.load(path, weights_only=True)
    assert 'incomplete' not in str(torch_error.value)


def _run_dir(tmp_path, torn=(), pointer='epoch_3.pth'):
    for epoch in (1, 2, 3):
        path = _save(tmp_path / f'epoch_{epoch}.pth', epoch=epoch)
        if epoch in torn:
            _truncate(path, os.path.getsize(path) // 2)
    if pointer is not None:
        (tmp_path / 'last_checkpoint').write_text(
            str(tmp_path / pointer) if pointer else '')
    return str(tmp_path)


def test_resume_takes_the_pointer_when_its_file_is_complete(tmp_path):
    work_dir = _run_dir(tmp_path, pointer='epoch_2.pth')
    assert find_resume_checkpoint(work_dir) == str(tmp_path / 'epoch_2.pth')


@pytest.mark.parametrize('pointer', ['epoch_3.pth', '', None])
def test_resume_skips_torn_files_and_broken_pointers(tmp_path, pointer):
    # A torn epoch_3 (killed mid-write by code that wrote in place), a
    # pointer naming it, an empty pointer (killed while writing it) or none.
    work_dir = _run_dir(tmp_path, torn=(3, ), pointer=pointer)
    assert find_resume_checkpoint(work_dir) == str(tmp_path / 'epoch_2.pth')


def test_resume_without_any_checkpoint_starts_afresh(tmp_path):
    assert find_resume_checkpoint(str(tmp_path)) is None


def test_resume_with_only_torn_checkpoints_is_an_error(tmp_path):
    work_dir = _run_dir(tmp_path, torn=(1, 2, 3))
    with pytest.raises(IncompleteCheckpointError, match='No complete'):
        find_resume_checkpoint(work_dir)


@pytest.mark.parametrize('train_cfg, finished', [
    (dict(by_epoch=True, max_epochs=4), True),
    (dict(by_epoch=True, max_epochs=5), False),
    (dict(max_epochs=4, val_interval=1), True),
    (dict(by_epoch=False, max_iters=40), True),
    (dict(type='IterBasedTrainLoop', max_iters=41), False),
])
def test_finished_run_message(tmp_path, train_cfg, finished):
    path = _save(tmp_path / 'epoch_4.pth', epoch=4, iteration=40)
    message = finished_run_message(path, train_cfg)
    assert (message is not None) == finished
    if finished:
        assert 'Training already finished' in message
        assert repr(path) in message
