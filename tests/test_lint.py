"""The code passes the lint of setup.cfg: flake8 (style) and isort
(OpenMMLab import order). ``make lint`` runs this test."""
import subprocess
import sys

import pytest

from tests.helpers import REPO

LINTED = ('mmreid_dranet', 'tools', 'tests', 'benchmarks', 'demo', 'configs',
          'setup.py')


@pytest.mark.parametrize('command', [
    ['flake8'],
    ['isort', '--check-only', '--diff'],
], ids=['flake8', 'isort'])
def test_code_passes(command):
    result = subprocess.run([sys.executable, '-m', *command, *LINTED],
                            cwd=REPO, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, (
        f'{" ".join(command)} found problems (settings: setup.cfg):\n'
        f'{result.stdout}{result.stderr}')
