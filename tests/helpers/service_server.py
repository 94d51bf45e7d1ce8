"""Start ``tools/serve.py`` as a user does, on 127.0.0.1 and a free port,
for the tests that need a real uvicorn (kill-and-restart, load, browser)."""
import os
import signal
import sys
import time

import cv2
import numpy as np

from tests.helpers.tiny_model import FLIP_L2, TINY_CONFIG
from tests.helpers.tool_runner import ToolRunner


class ServiceServer:
    """A running ``tools/serve.py`` (tiny model, flip and L2 on).

    Args:
        checkpoint (str): The tiny checkpoint.
        store (str): The store folder.
        *options: More options of ``tools/serve.py``.
    """

    def __init__(self, checkpoint: str, store: str, *options: str):
        runner = ToolRunner()
        self.port = runner.free_port()
        self.url = f'http://127.0.0.1:{self.port}'
        overrides = [f'{k}={v}' for k, v in FLIP_L2.items()]
        self.process = runner.popen([
            sys.executable, 'tools/serve.py', TINY_CONFIG, checkpoint,
            '--store', store, '--port', self.port, *options,
            '--cfg-options', *overrides
        ])

    def wait_ready(self, timeout: float = 120) -> 'ServiceServer':
        """Poll ``/api/health`` until it answers (fails with the server's
        output when it exits or does not answer in time)."""
        import httpx
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError('the server exited:\n' +
                                     self.process.stdout.read()[-4000:])
            try:
                if httpx.get(f'{self.url}/api/health',
                             timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.kill()
        raise AssertionError(f'the server did not answer in {timeout} s:\n' +
                             self.process.stdout.read()[-4000:])

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the server's process group and wait for it."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
        self.process.wait(timeout=60)
        self.process.stdout.close()


def jpeg_bytes(seed: int, height: int = 64, width: int = 32) -> bytes:
    """A distinct small JPEG: a random colour per 8 x 8 tile."""
    rng = np.random.default_rng(seed)
    tiles = rng.integers(0, 256, (height // 8, width // 8, 3), dtype=np.uint8)
    image = np.kron(tiles, np.ones((8, 8, 1), dtype=np.uint8))
    ok, data = cv2.imencode('.jpg', image)
    assert ok
    return data.tobytes()
