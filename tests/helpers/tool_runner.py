"""Run the command-line tools in subprocesses, as a user runs them."""
import os
import re
import socket
import subprocess
import sys

from tests.helpers import REPO, TINY_CONFIG

# The metrics of one test (or validation) epoch in a tool's log.
TEST_METRIC_LINE = re.compile(r'Epoch\(test\).*?(reid/mAP: .*?reid/mINP: \S+)')


class ToolRunner:
    """Starts ``tools/*`` commands the way a user would, with one thread per
    process (the test machine has few cores) and a free master port."""

    repo = REPO
    tiny_config = TINY_CONFIG

    @staticmethod
    def free_port():
        with socket.socket() as sock:
            sock.bind(('127.0.0.1', 0))
            return str(sock.getsockname()[1])

    def env(self, **extra):
        # PYTHONFAULTHANDLER: a crashing or aborting tool prints where.
        env = dict(os.environ, PYTHON=sys.executable, PORT=self.free_port(),
                   OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1',
                   PYTHONFAULTHANDLER='1')
        env.update(extra)
        return env

    def popen(self, command, env=None, **kwargs):
        """Start ``command`` in its own session (so that a kill reaches its
        children), stdout and stderr merged into one text pipe."""
        return subprocess.Popen(
            command, cwd=REPO, env=env or self.env(), text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True, **kwargs)

    def run(self, command, env=None, check=True, timeout=300):
        """Run ``command``; return (returncode, stdout + stderr)."""
        result = subprocess.run(command, cwd=REPO, env=env or self.env(),
                                text=True, capture_output=True,
                                timeout=timeout)
        output = result.stdout + result.stderr
        if check:
            assert result.returncode == 0, output[-4000:]
        return result.returncode, output

    @staticmethod
    def test_metrics(output):
        """The last ``Epoch(test)`` metric line of a log."""
        lines = TEST_METRIC_LINE.findall(output)
        assert lines, output[-4000:]
        return lines[-1]
