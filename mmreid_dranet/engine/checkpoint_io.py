"""Checkpoint files that are either complete or absent, never torn.

mmengine writes a checkpoint with ``open(path, 'wb').write(...)``: a run
killed during that write leaves a truncated file under the final name. Here
the bytes go to ``<path>.part``, are flushed to disk, and the finished file
is renamed over ``<path>`` (``os.replace`` is atomic on POSIX file systems).
A kill leaves at most a stale ``.part`` file, which no loader picks up and
the next save of the same name overwrites.

Only rank 0 saves checkpoints under DDP (``Runner.save_checkpoint`` is
``master_only``), so the rename never races another process.
"""
import os
import os.path as osp

from mmengine.fileio import LocalBackend, register_backend

PARTIAL_SUFFIX = '.part'
ATOMIC_BACKEND = 'atomic_local'


class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend whose ``put`` is all-or-nothing."""

    def put(self, obj: bytes, filepath) -> None:
        """Write ``obj`` to ``filepath`` through a fsynced ``.part`` file.

        Args:
            obj (bytes): The serialised checkpoint.
            filepath (str | Path): The final file name.
        """
        filepath = str(filepath)
        directory = osp.dirname(osp.abspath(filepath))
        os.makedirs(directory, exist_ok=True)
        partial = filepath + PARTIAL_SUFFIX
        with open(partial, 'wb') as file:
            self._write(file, obj)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, filepath)
        # Persist the rename itself (the directory entry) too.
        directory_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(directory_fd)
        finally:
            os.close(directory_fd)

    def _write(self, file, data: bytes) -> None:
        """Write the bytes (a separate step so a test can slow it down)."""
        file.write(data)


register_backend(ATOMIC_BACKEND, AtomicLocalBackend, force=True)


def atomic_checkpoint_backend_args(out_dir, backend_args=None,
                                   file_client_args=None):
    """The ``backend_args`` to save a checkpoint into ``out_dir`` with.

    A backend the caller chose (``backend_args`` / ``file_client_args`` of
    the CheckpointHook) is kept; a remote ``out_dir`` (``s3://`` ...) keeps
    mmengine's choice by prefix; a local folder gets
    :class:`AtomicLocalBackend`.

    Args:
        out_dir (str): Where the checkpoint goes.
        backend_args (dict, optional): The caller's backend arguments.
        file_client_args (dict, optional): The deprecated equivalent.

    Returns:
        dict | None: Backend arguments for ``Runner.save_checkpoint``.
    """
    if backend_args is not None or file_client_args is not None:
        return backend_args
    if '://' in str(out_dir):
        return None
    return dict(backend=ATOMIC_BACKEND)
