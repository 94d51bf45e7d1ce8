"""A missing checkpoint named on the command line is one clear message,
before anything is built."""
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ENTRY_CONFIG = osp.join(REPO, 'configs/dranet/dranet_r50_market.py')


@pytest.mark.parametrize('how', ['test.py', 'load_from', '--resume'])
def test_missing_checkpoint_is_one_clear_message(tmp_path, how):
    missing = str(tmp_path / 'no_such_checkpoint.pth')
    command = {
        'test.py': ['tools/test.py', ENTRY_CONFIG, missing],
        'load_from': ['tools/train.py', ENTRY_CONFIG, '--cfg-options',
                      f'load_from={missing}'],
        '--resume': ['tools/train.py', ENTRY_CONFIG, '--resume', missing],
    }[how]
    result = subprocess.run([sys.executable, *command], capture_output=True,
                            text=True, cwd=REPO, timeout=300)
    assert result.returncode != 0
    assert 'not found' in result.stderr and missing in result.stderr
    assert 'Traceback' not in result.stderr
