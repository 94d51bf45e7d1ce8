"""tools/analysis_tools/get_flops.py on the tiny demo model."""
import subprocess
import sys

from mmreid_dranet.apis import init_model
from tests.helpers import REPO, TINY_CONFIG
from tests.helpers.scripts import load_script

NUM_CLASSES = 8

tool = load_script('tools/analysis_tools/get_flops.py')


def test_counts_of_the_tiny_model(capsys):
    rows = tool.main([TINY_CONFIG, '--shape', '64', '32', '128', '64',
                      '--num-classes', str(NUM_CLASSES)])
    model = init_model(TINY_CONFIG, None, num_classes=NUM_CLASSES)
    numel = sum(p.numel() for p in model.parameters())
    assert [(config, shape) for config, shape, _ in rows] == [
        (TINY_CONFIG, (64, 32)), (TINY_CONFIG, (128, 64))]
    small, large = (counts for _, _, counts in rows)
    assert small['params'] == large['params'] == numel
    # Convolutions dominate and their FLOPs grow with the area (x 4);
    # the pooled head does not grow.
    assert 0 < small['flops'] < large['flops'] <= 4 * small['flops']
    assert large['flops'] > 3 * small['flops']
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith('| config | input (H x W) | parameters |')
    assert table[0].endswith('| images/s (CPU) |')
    assert f'| 64x32 | {numel} |' in table[2]
    # Timed, so only its presence is checked (no timed assertion).
    assert small['images_per_s'] > 0 and large['images_per_s'] > 0
    assert table[2].endswith(f'| {small["images_per_s"]:.1f} |')
    assert table[-1].startswith('images/s: batches of 16, mean of 3')
    # The operators without a FLOP rule are named, not silently dropped.
    notes = [line for line in table if line.startswith('Parameters:')]
    assert small['uncounted'] and all(
        op in notes[0] for op in small['uncounted'])


def test_command_line_prints_the_table():
    result = subprocess.run(
        [sys.executable, 'tools/analysis_tools/get_flops.py', TINY_CONFIG,
         '--shape', '64', '32', '--num-classes', str(NUM_CLASSES),
         '--iters', '0'],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stdout.splitlines()
             if line.startswith('| tests/test_e2e/tiny_demo_config.py')]
    assert len(lines) == 1 and '| 64x32 |' in lines[0]
    assert lines[0].endswith('| - |')  # --iters 0: not timed


def test_odd_shape_list_is_refused():
    result = subprocess.run(
        [sys.executable, 'tools/analysis_tools/get_flops.py', TINY_CONFIG,
         '--shape', '64'], cwd=REPO, capture_output=True, text=True,
        timeout=300)
    assert result.returncode == 2
    assert '--shape takes positive H W pairs' in result.stderr
