"""tools/misc/print_config.py: the resolved config, as a user prints it."""
import subprocess
import sys

from mmengine.config import Config

from mmreid_dranet.utils import load_config, set_data_root
from tests.helpers import REPO, TINY_CONFIG


def _print_config(*args):
    return subprocess.run(
        [sys.executable, 'tools/misc/print_config.py', *args], cwd=REPO,
        capture_output=True, text=True, timeout=300)


def test_printed_config_is_the_resolved_config(tmp_path):
    result = _print_config(TINY_CONFIG, '--data-root', str(tmp_path),
                           '--cfg-options', 'train_cfg.max_epochs=3')
    assert result.returncode == 0, result.stderr[-3000:]
    printed = tmp_path / 'printed.py'
    printed.write_text(result.stdout)
    reread = Config.fromfile(str(printed)).to_dict()
    expected = load_config(TINY_CONFIG, {'train_cfg.max_epochs': 3})
    set_data_root(expected, str(tmp_path))
    # Bases merged: the tiny widths over the demo config's settings.
    assert '_base_' not in result.stdout
    assert reread['model']['backbone']['stem_channels'] == 8
    assert reread['train_cfg']['max_epochs'] == 3
    assert reread['test_dataloader']['dataset']['data_root'] == str(tmp_path)
    for key in ('model', 'train_cfg', 'optim_wrapper', 'param_scheduler',
                'default_hooks', 'train_dataloader', 'test_dataloader'):
        assert reread[key] == expected.to_dict()[key], key


def test_missing_config_is_named(tmp_path):
    missing = str(tmp_path / 'no_such_config.py')
    result = _print_config(missing)
    assert result.returncode == 1
    assert missing in result.stderr
    assert result.stdout == ''
