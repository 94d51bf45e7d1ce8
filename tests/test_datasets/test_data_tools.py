"""tools/dataset_converters/make_synthetic_data.py and
tools/visualization/browse_dataset.py as a user runs them, and the data
benchmark's quick mode."""
import glob
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MARKET_CONFIG = osp.join(REPO, 'configs/_base_/datasets/market1501.py')
MAKE_SYNTHETIC_DATA = 'tools/dataset_converters/make_synthetic_data.py'
BROWSE_DATASET = 'tools/visualization/browse_dataset.py'


def run(*args):
    return subprocess.run([sys.executable, *args], capture_output=True,
                          text=True, cwd=REPO, timeout=300)


def test_make_synthetic_data_cli(tmp_path):
    out = str(tmp_path / 'synthetic')
    result = run(MAKE_SYNTHETIC_DATA, out, '--num-train-ids',
                 '3', '--num-test-ids', '2', '--num-cams', '2',
                 '--cams-per-id', '2', '2', '--images-per-cam', '2', '2',
                 '--num-distractors', '1', '--num-junk', '1', '--height',
                 '64', '--width', '32')
    assert result.returncode == 0, result.stderr
    # 3 ids x 2 cams x 2 images; 2 test ids give one query per camera.
    assert len(glob.glob(f'{out}/bounding_box_train/*.jpg')) == 12
    assert len(glob.glob(f'{out}/query/*.jpg')) == 4
    assert len(glob.glob(f'{out}/bounding_box_test/*.jpg')) == 4 + 2
    img = cv2.imread(glob.glob(f'{out}/query/*.jpg')[0])
    assert img.shape == (64, 32, 3)
    assert 'Wrote 22 images' in result.stdout


def test_make_synthetic_data_cli_refuses_bad_settings(tmp_path):
    result = run(MAKE_SYNTHETIC_DATA, str(tmp_path),
                 '--cams-per-id', '1', '2')
    assert result.returncode != 0
    assert 'cams_per_id' in result.stderr


def test_browse_dataset_writes_a_labelled_grid(tmp_path,
                                               synthetic_market_root):
    output = str(tmp_path / 'grid.png')
    result = run(BROWSE_DATASET, MARKET_CONFIG, '--split',
                 'test', '--num', '6', '--cols', '3', '--data-root',
                 synthetic_market_root, '--output', output)
    assert result.returncode == 0, result.stderr
    grid = cv2.imread(output)
    # 2 rows x 3 columns of 384x128 tiles, each with a 14-pixel label strip.
    assert grid.shape == (2 * (384 + 14), 3 * 128, 3)
    first_tile = grid[:384, :128]
    first_query = sorted(glob.glob(f'{synthetic_market_root}/query/*.jpg'))[0]
    expected = cv2.resize(cv2.imread(first_query), (128, 384))
    # The test pipeline only resizes: the tile is the resized first query.
    diff = np.abs(first_tile.astype(int) - expected.astype(int))
    assert diff.mean() < 1.0
    strip = grid[384:398, :128]
    assert (strip < 128).any()  # the label text is drawn


def test_browse_dataset_names_a_missing_data_root(tmp_path):
    missing = str(tmp_path / 'nowhere')
    result = run(BROWSE_DATASET, MARKET_CONFIG,
                 '--data-root', missing)
    assert result.returncode != 0
    assert missing in result.stderr


def test_bench_data_quick_prints_a_table():
    result = run('benchmarks/bench_data.py', '--quick')
    assert result.returncode == 0, result.stderr
    assert '| StrictLoadImageFromFile (configs) |' in result.stdout
    assert '| mmcv LoadImageFromFile |' in result.stdout
