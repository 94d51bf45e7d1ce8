"""The console of tools/train.py and tools/test.py: progress and metrics by
default, everything with --verbose; --epochs shortens a real schedule; a
known user error ends with its message."""
import glob
import os.path as osp
import re
import shutil
import sys

from tests.helpers.tool_runner import ToolRunner

RUNNER = ToolRunner()
# Reports that go to the log file only, unless --verbose.
FILE_ONLY = ('Config:', 'System environment', 'Hooks will be executed',
             'paramwise_options', 'FileClient',
             'MultiScaleDeformableAttention')


def _log_file(work_dir):
    logs = glob.glob(osp.join(work_dir, '*', '*.log'))
    assert len(logs) == 1, logs
    with open(logs[0]) as f:
        return f.read()


def test_short_quiet_training_then_a_verbose_test(synthetic_market_root,
                                                  tmp_path):
    work_dir = str(tmp_path / 'train')
    # The tiny config: 4 epochs, lr x0.1 at epoch 3; --epochs 2 moves the
    # decay to epoch 1.
    _, output = RUNNER.run([
        sys.executable, 'tools/train.py', RUNNER.tiny_config, '--data-root',
        synthetic_market_root, '--work-dir', work_dir, '--epochs', '2'])
    lines = output.splitlines()
    assert len(lines) < 30, output
    assert lines[0] == ('--epochs 2: the 4-epoch schedule scaled by 2/4: '
                        'MultiStepLR decays at epochs [1]')
    for hidden in FILE_ONLY:
        assert hidden not in output
    lrs = re.findall(r'Epoch\(train\) \[(\d)\]\[\d+/\d+\]  base_lr: (\S+)',
                     output)
    assert {epoch for epoch, _ in lrs} == {'1', '2'}
    assert {lr for epoch, lr in lrs if epoch == '2'} == {'5.0000e-03'}
    assert 'eta: ' in output
    assert re.search(r'Epoch\(val\) \[2\]\[\d+/\d+\]\s+reid/mAP: ', output)
    logged = _log_file(work_dir)
    for report in FILE_ONLY[:5]:  # the log file has them all
        assert report in logged
    assert 'max_epochs=2' in logged
    assert sorted(osp.basename(p) for p in glob.glob(
        osp.join(work_dir, 'epoch_*.pth'))) == ['epoch_1.pth', 'epoch_2.pth']

    _, verbose = RUNNER.run([
        sys.executable, 'tools/test.py', RUNNER.tiny_config,
        osp.join(work_dir, 'epoch_2.pth'), '--data-root',
        synthetic_market_root, '--work-dir', str(tmp_path / 'test'),
        '--verbose'])
    for report in FILE_ONLY[:3]:
        assert report in verbose
    assert RUNNER.test_metrics(verbose)


def test_corrupt_training_image_is_one_message(synthetic_market_root,
                                               tmp_path):
    root = tmp_path / 'data'
    shutil.copytree(synthetic_market_root, root)
    train_images = sorted((root / 'bounding_box_train').glob('*.jpg'))
    for image in train_images:  # whichever the sampler draws first
        image.write_bytes(image.read_bytes()[:300])
    command = [sys.executable, 'tools/train.py', RUNNER.tiny_config,
               '--data-root', str(root), '--work-dir', str(tmp_path / 'w'),
               '--cfg-options', 'train_dataloader.num_workers=1']
    status, output = RUNNER.run(command, check=False)
    assert status == 1, output
    error = re.search(r'^error: Corrupt image file (\S+): truncated JPEG',
                      output, re.M)
    assert error, output
    assert osp.dirname(error.group(1)) == str(root / 'bounding_box_train')
    assert 'Traceback' not in output
    assert 'the traceback is in ' in output
    assert 'Traceback' in _log_file(str(tmp_path / 'w'))

    status, output = RUNNER.run(command + ['--verbose'], check=False)
    assert status == 1
    assert 'Traceback' in output and 'CorruptImageError' in output
