"""tools/analysis_tools/analyze_logs.py on a json log in mmengine's
format (the lines ``tools/train.py`` writes to vis_data/scalars.json)."""
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from tests.helpers import REPO
from tests.helpers.scripts import load_script

tool = load_script('tools/analysis_tools/analyze_logs.py')

# Two epochs of 3 iterations, a validation after each epoch.
LOSSES = [6.31, 6.30, 6.28, 6.25, 6.21, 6.18]
ACC_SIC = [8.3, 12.5, 4.2, 12.5, 25.0, 37.5]
MAPS = [7.85, 12.55]
R1S = [0.0, 5.56]


def write_log(path):
    lines = []
    for epoch in (1, 2):
        for step in range(3 * epoch - 2, 3 * epoch + 1):
            lines.append(dict(
                base_lr=0.05, lr=0.05, data_time=0.02,
                loss=LOSSES[step - 1], loss_sic=LOSSES[step - 1] / 3,
                acc_sic=ACC_SIC[step - 1], time=0.3, epoch=epoch,
                iter=step, step=step))
        lines.append({'reid/mAP': MAPS[epoch - 1],
                      'reid/R1': R1S[epoch - 1], 'reid/mINP': 6.8,
                      'data_time': 0.01, 'time': 0.07, 'step': epoch})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(json.dumps(line) + '\n' for line in lines))
    return str(path)


def test_series_are_the_logged_values(tmp_path):
    records = tool.load_json_log(write_log(tmp_path / 'scalars.json'))
    assert tool.series(records['train'], 'loss') == ([1, 2, 3, 4, 5, 6],
                                                     LOSSES)
    assert tool.series(records['train'], 'acc_sic')[1] == ACC_SIC
    assert tool.series(records['val'], 'reid/mAP') == ([1, 2], MAPS)
    assert tool.series(records['val'], 'reid/R1') == ([1, 2], R1S)
    titles = [(title, keys) for title, _, keys in
              tool.default_panels(records)]
    assert titles == [('loss', ['loss', 'loss_sic']),
                      ('training accuracy (%)', ['acc_sic']),
                      ('retrieval (%)', ['reid/R1', 'reid/mAP'])]


def test_work_dir_gives_a_png_of_its_newest_run(tmp_path):
    work_dir = tmp_path / 'work'
    write_log(work_dir / '20260101_000000' / 'vis_data' / 'scalars.json')
    (work_dir / '20250101_000000' / 'vis_data').mkdir(parents=True)
    (work_dir / '20250101_000000' / 'vis_data' / 'scalars.json'
     ).write_text('{"lr": 1, "loss": 99.0, "step": 1}\n')
    out = tmp_path / 'curves.png'
    result = subprocess.run(
        [sys.executable, 'tools/analysis_tools/analyze_logs.py',
         str(work_dir), '--out', str(out)], cwd=REPO, capture_output=True,
        text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert '20260101_000000: best reid/mAP 12.55 at epoch 2' in result.stdout
    assert '20260101_000000: best reid/R1 5.56 at epoch 2' in result.stdout
    picture = cv2.imread(str(out))
    # Three panels of 6 x 4.5 inches at 100 dpi, with curves on them.
    assert picture.shape == (450, 1800, 3)
    assert len(np.unique(picture.reshape(-1, 3), axis=0)) > 10


def test_unknown_key_names_the_log_and_its_keys(tmp_path):
    log = write_log(tmp_path / 'run' / 'scalars.json')
    result = subprocess.run(
        [sys.executable, 'tools/analysis_tools/analyze_logs.py', log,
         '--keys', 'reid/mAP', 'loss_triplet', '--out',
         str(tmp_path / 'x.png')], cwd=REPO, capture_output=True, text=True,
        timeout=300)
    assert result.returncode == 1
    assert f"{log} has no key 'loss_triplet'" in result.stderr
    assert "'loss_sic'" in result.stderr
    assert not (tmp_path / 'x.png').exists()


def test_a_line_that_is_not_json_is_named(tmp_path):
    log = tmp_path / 'bad.json'
    log.write_text('{"lr": 0.1, "loss": 1.0, "step": 1}\n{"lr": 0.1,\n')
    with pytest.raises(ValueError, match=f'{log}:2: not a json line'):
        tool.load_json_log(str(log))
