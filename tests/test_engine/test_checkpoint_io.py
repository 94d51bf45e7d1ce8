"""AtomicLocalBackend: a checkpoint file is whole or absent."""
import pytest
from mmengine.fileio import get_file_backend

from mmreid_dranet.engine.checkpoint_io import (PARTIAL_SUFFIX,
                                                AtomicLocalBackend,
                                                atomic_checkpoint_backend_args)


class _DiesHalfway(AtomicLocalBackend):
    """Stands for a process killed during the write."""

    def _write(self, file, data):
        file.write(data[:len(data) // 2])
        raise KeyboardInterrupt


def test_put_writes_the_bytes_and_leaves_no_part_file(tmp_path):
    target = tmp_path / 'sub' / 'epoch_1.pth'
    backend = get_file_backend(
        str(target), backend_args=atomic_checkpoint_backend_args(
            str(tmp_path)))
    assert isinstance(backend, AtomicLocalBackend)
    backend.put(b'abc' * 1000, str(target))
    assert target.read_bytes() == b'abc' * 1000
    assert list(target.parent.iterdir()) == [target]


def test_interrupted_put_never_touches_the_final_name(tmp_path):
    target = tmp_path / 'best.pth'
    target.write_bytes(b'previous complete file')
    with pytest.raises(KeyboardInterrupt):
        _DiesHalfway().put(b'x' * 1000, str(target))
    assert target.read_bytes() == b'previous complete file'
    part = tmp_path / ('best.pth' + PARTIAL_SUFFIX)
    assert part.read_bytes() == b'x' * 500


def test_backend_choice_keeps_the_caller_s_and_remote_ones():
    assert atomic_checkpoint_backend_args('work_dirs/x') == dict(
        backend='atomic_local')
    assert atomic_checkpoint_backend_args(
        'work_dirs/x', backend_args=dict(backend='local')) == dict(
            backend='local')
    assert atomic_checkpoint_backend_args('s3://bucket/run') is None
    assert atomic_checkpoint_backend_args(
        'work_dirs/x', file_client_args=dict(backend='disk')) is None
