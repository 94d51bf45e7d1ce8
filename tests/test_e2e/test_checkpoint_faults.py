"""A run SIGKILLed in the middle of a checkpoint write, and torn files.

The kill is real: a local file backend (mmengine's, with its byte writing
slowed) writes half of ``epoch_2.pth.part`` for ReIDRunner's atomic save,
signals, and stalls; the test then kills the whole process group.
"""
import os
import shutil
import signal
import sys
import textwrap
import time

import pytest

from mmreid_dranet.utils.checkpoint import (PARTIAL_SUFFIX,
                                            is_checkpoint_complete)

STALLING_BACKEND = textwrap.dedent('''\
    """mmengine's local backend, stalling half-way through one file."""
    import os
    import time

    from mmengine.fileio import LocalBackend, register_backend


    class StallingLocalBackend(LocalBackend):

        def put(self, obj, filepath):
            stall = os.environ.get('STALL_CHECKPOINT')
            if not stall or not str(filepath).endswith(stall + '.part'):
                return super().put(obj, filepath)
            with open(filepath, 'wb') as file:
                file.write(obj[:len(obj) // 2])
                file.flush()
                open(os.environ['STALL_SIGNAL'], 'w').close()
                time.sleep(600)
                file.write(obj[len(obj) // 2:])


    register_backend('stalling_local', StallingLocalBackend, force=True)
    ''')


@pytest.fixture(scope='module')
def stalling_setup(tmp_path_factory, tools):
    """A config whose checkpoints go through the stalling backend."""
    folder = tmp_path_factory.mktemp('stalling')
    (folder / 'stalling_backend.py').write_text(STALLING_BACKEND)
    config = folder / 'stalling_config.py'
    config.write_text(textwrap.dedent(f'''\
        _base_ = [{tools.tiny_config!r}]
        custom_imports = dict(imports=['stalling_backend'],
                              allow_failed_imports=False)
        default_hooks = dict(checkpoint=dict(
            backend_args=dict(backend='stalling_local')))
        '''))
    return folder, str(config)


@pytest.fixture(scope='module')
def killed_run(stalling_setup, synthetic_market_root, tools):
    """Work dir of a run killed while half of epoch_2.pth was written."""
    folder, config = stalling_setup
    work_dir = folder / 'work'
    signal_file = folder / 'stalled'
    env = tools.env(PYTHONPATH=f'{folder}{os.pathsep}{tools.repo}',
                    STALL_CHECKPOINT='epoch_2.pth',
                    STALL_SIGNAL=str(signal_file))
    command = [sys.executable, 'tools/train.py', config, '--data-root',
               synthetic_market_root, '--work-dir', str(work_dir)]
    process = tools.popen(command, env=env)
    deadline = time.time() + 120
    while not signal_file.exists():
        assert process.poll() is None, process.stdout.read()[-4000:]
        assert time.time() < deadline, 'epoch 2 was never saved'
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
    # The resumed run replaces the .part file: keep the torn bytes aside.
    torn_copy = folder / 'torn.pth'
    shutil.copy(work_dir / ('epoch_2.pth' + PARTIAL_SUFFIX), torn_copy)
    return dict(work_dir=work_dir, command=command, torn=torn_copy,
                env=dict(env, STALL_CHECKPOINT=''))


def test_kill_mid_write_resumes_from_the_last_complete_checkpoint(
        killed_run, tools):
    work_dir = killed_run['work_dir']
    torn = work_dir / ('epoch_2.pth' + PARTIAL_SUFFIX)
    assert torn.stat().st_size > 0 and not is_checkpoint_complete(str(torn))
    assert not (work_dir / 'epoch_2.pth').exists()  # never a torn final name
    assert (work_dir / 'last_checkpoint').read_text().endswith('epoch_1.pth')

    _, output = tools.run(killed_run['command'] + ['--resume'],
                          env=killed_run['env'])
    assert 'resumed epoch: 1,' in output
    assert 'Epoch(train) [1]' not in output
    assert 'Epoch(train) [2]' in output
    assert is_checkpoint_complete(str(work_dir / 'epoch_4.pth'))

    # The run is over: a further --resume says so instead of training.
    code, output = tools.run(killed_run['command'] + ['--resume'],
                             env=killed_run['env'])
    assert code == 0
    assert 'Training already finished' in output
    assert 'epoch 4 and train_cfg.max_epochs is 4' in output
    assert 'Epoch(train)' not in output


@pytest.mark.parametrize('how', ['--resume', 'load_from', 'test.py'])
def test_torn_file_named_explicitly_is_refused_clearly(
        killed_run, tools, tmp_path, how):
    torn = str(killed_run['torn'])
    train = killed_run['command'][:-1] + [str(tmp_path / 'work')]
    command = {
        '--resume': train + ['--resume', torn],
        'load_from': train + ['--cfg-options', f'load_from={torn}'],
        'test.py': [sys.executable, 'tools/test.py', train[2], torn] +
        train[3:],
    }[how]
    code, output = tools.run(command, env=killed_run['env'], check=False)
    assert code != 0
    assert f"Checkpoint '{torn}' is incomplete" in output
    assert 'Traceback' not in output and 'Unpickling' not in output
