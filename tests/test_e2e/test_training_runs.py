"""Training and testing through the command-line tools, as users run them."""
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time

import numpy as np

from tests.helpers import REPO, TINY_CONFIG
from tests.helpers.tool_runner import ToolRunner

RUNNER = ToolRunner()
_env = RUNNER.env
_test_metrics = RUNNER.test_metrics


def _run(command):
    """Run a tool; its stdout + stderr (it must succeed)."""
    return RUNNER.run(command, timeout=600)[1]


def test_two_process_cpu_training_and_identical_evaluation(
        synthetic_market_root, tmp_path):
    work_dir = str(tmp_path / 'ddp')
    # --verbose: the environment and the config on the console too.
    output = _run(['bash', 'tools/dist_train.sh', TINY_CONFIG, '2',
                   '--data-root', synthetic_market_root,
                   '--work-dir', work_dir, '--verbose'])
    assert 'Distributed launcher: pytorch' in output
    assert 'Distributed training: True' in output
    assert "backend='gloo'" in output
    checkpoint = osp.join(work_dir, 'epoch_4.pth')
    assert osp.isfile(checkpoint)

    single = _run([sys.executable, 'tools/test.py', TINY_CONFIG, checkpoint,
                   '--data-root', synthetic_market_root,
                   '--work-dir', str(tmp_path / 'test1'),
                   '--out', str(tmp_path / 'one.npz'),
                   '--show-dir', str(tmp_path / 'ranks'), '--show-topk', '5'])
    double = _run(['bash', 'tools/dist_test.sh', TINY_CONFIG, checkpoint, '2',
                   '--data-root', synthetic_market_root,
                   '--work-dir', str(tmp_path / 'test2'),
                   '--out', str(tmp_path / 'two.npz')])
    assert _test_metrics(single) == _test_metrics(double)
    pictures = sorted(p.name for p in (tmp_path / 'ranks').glob('*.png'))
    assert pictures and pictures[0].startswith('best_000_')
    assert any(name.startswith('worst_000_') for name in pictures)
    one, two = np.load(tmp_path / 'one.npz'), np.load(tmp_path / 'two.npz')
    assert one['query_pids'].shape[0] > 0
    for key in ('query_pids', 'gallery_pids', 'query_camids',
                'gallery_camids', 'query_paths', 'gallery_paths'):
        np.testing.assert_array_equal(one[key], two[key])
    for key in ('query_feats', 'gallery_feats'):
        np.testing.assert_allclose(one[key], two[key], atol=1e-5)


def test_killed_run_resumes_from_its_last_checkpoint(synthetic_market_root,
                                                     tmp_path):
    work_dir = tmp_path / 'killed'
    command = [sys.executable, 'tools/train.py', TINY_CONFIG, '--data-root',
               synthetic_market_root, '--work-dir', str(work_dir)]
    process = subprocess.Popen(command, cwd=REPO, env=_env(),
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL,
                               start_new_session=True)
    # mmengine writes `last_checkpoint` once a checkpoint is complete.
    pointer = work_dir / 'last_checkpoint'
    deadline = time.time() + 300
    while not pointer.exists():
        assert process.poll() is None, 'training ended before the kill'
        assert time.time() < deadline, 'no checkpoint after 300 s'
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not (work_dir / 'epoch_4.pth').exists()
    last = osp.basename(pointer.read_text().strip())

    output = _run(command + ['--resume'])
    resumed_epoch = int(re.search(r'resumed epoch: (\d+)', output).group(1))
    assert f'epoch_{resumed_epoch}.pth' == last
    assert (work_dir / 'epoch_4.pth').exists()
    assert 'Epoch(train) [1]' not in output  # nothing trained twice
    assert f'Epoch(train) [{resumed_epoch + 1}]' in output


def test_num_classes_not_matching_the_training_set_fails_at_start(
        synthetic_market_root, tmp_path):
    result = subprocess.run(
        [sys.executable, 'tools/train.py', TINY_CONFIG, '--data-root',
         synthetic_market_root, '--work-dir', str(tmp_path), '--cfg-options',
         'model.num_classes=5'],
        cwd=REPO, env=_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    assert ('model.num_classes is 5 but the training set (Market-1501) has '
            '8 identities: set model.num_classes=8') in result.stderr
    assert 'Traceback' not in result.stderr  # a message, not a crash
    assert not list(tmp_path.glob('epoch_*.pth'))


def test_batch_size_not_matching_the_identity_sampler_fails_at_start(
        synthetic_market_root, tmp_path):
    result = subprocess.run(
        [sys.executable, 'tools/train.py', TINY_CONFIG, '--data-root',
         synthetic_market_root, '--work-dir', str(tmp_path), '--cfg-options',
         'train_dataloader.batch_size=6'],
        cwd=REPO, env=_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    assert ('train_dataloader.batch_size is 6, but train_dataloader.sampler '
            'gives num_ids x ins_per_id = 4 x 2 = 8') in result.stderr
    assert 'Traceback' not in result.stderr
    assert not list(tmp_path.glob('epoch_*.pth'))


def test_another_identity_count_needs_only_data_root(tmp_path):
    """The demo's config on a data set with 12 identities (its own has a
    different count): --data-root alone, no config edit, train then test."""
    from mmreid_dranet.datasets import make_synthetic_market
    root = str(tmp_path / 'other_data')
    make_synthetic_market(root, num_train_ids=12, num_test_ids=4, num_cams=2,
                          cams_per_id=(2, 2), images_per_cam=(2, 2),
                          num_distractors=0, num_junk=0, seed=5)
    work_dir = str(tmp_path / 'work')
    output = _run([sys.executable, 'tools/train.py', TINY_CONFIG,
                   '--data-root', root, '--work-dir', work_dir])
    assert 'model.num_classes = 12' in output
    checkpoint = osp.join(work_dir, 'epoch_4.pth')
    output = _run([sys.executable, 'tools/test.py', TINY_CONFIG, checkpoint,
                   '--data-root', root, '--work-dir', str(tmp_path / 't')])
    assert _test_metrics(output)
