"""tools/slurm_{train,test}.sh hand srun what OpenMMLab's scripts do.

A fake ``srun`` first on PATH records its arguments and environment instead
of starting a job; the tests check the variable handling of the scripts.
"""
import json
import os
import os.path as osp
import subprocess
import sys
import textwrap

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

FAKE_SRUN = textwrap.dedent(f'''\
    #!{sys.executable}
    import json, os, sys
    with open(os.environ['FAKE_SRUN_LOG'], 'w') as f:
        json.dump(dict(argv=sys.argv[1:],
                       pythonpath=os.environ.get('PYTHONPATH', '')), f)
    sys.exit(int(os.environ.get('FAKE_SRUN_EXIT', '0')))
    ''')


@pytest.fixture
def fake_srun(tmp_path):
    """Returns ``run(script, *args, **env) -> (returncode, srun_call)``."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    srun = bin_dir / 'srun'
    srun.write_text(FAKE_SRUN)
    srun.chmod(0o755)
    log = tmp_path / 'srun_call.json'

    def run(script, *args, **env):
        full_env = {
            key: value
            for key, value in os.environ.items()
            if key not in ('GPUS', 'GPUS_PER_NODE', 'CPUS_PER_TASK',
                           'SRUN_ARGS', 'PYTHON', 'PYTHONPATH')
        }
        full_env.update(PATH=f'{bin_dir}{os.pathsep}{os.environ["PATH"]}',
                        FAKE_SRUN_LOG=str(log), **env)
        if log.exists():
            log.unlink()
        result = subprocess.run(['bash', f'tools/{script}', *args], cwd=REPO,
                                env=full_env, capture_output=True, text=True,
                                timeout=60)
        call = json.loads(log.read_text()) if log.exists() else None
        return result.returncode, call

    return run


def _srun_options(argv):
    """Split srun's argv into its own options and the task command."""
    task_start = next(i for i, arg in enumerate(argv)
                      if not arg.startswith('-') and i > 1)
    return argv[:task_start], argv[task_start:]


def test_train_defaults_are_openmmlab_s(fake_srun):
    code, call = fake_srun('slurm_train.sh', 'dev', 'reid_job',
                           'configs/dranet/dranet_r50_market.py')
    assert code == 0
    options, task = _srun_options(call['argv'])
    assert options == [
        '-p', 'dev', '--job-name=reid_job', '--gres=gpu:8', '--ntasks=8',
        '--ntasks-per-node=8', '--cpus-per-task=5', '--kill-on-bad-exit=1'
    ]
    assert task == [
        'python', '-u', 'tools/train.py',
        'configs/dranet/dranet_r50_market.py',
        '--work-dir=./work_dirs/reid_job', '--launcher=slurm'
    ]
    # The package is importable in every task without installing it.
    assert call['pythonpath'].split(os.pathsep)[0] == 'tools/..'


def test_train_variables_and_extra_options_pass_through(fake_srun):
    code, call = fake_srun(
        'slurm_train.sh', 'gpu-a100', 'two nodes', 'my config.py',
        '/shared/work dir', '--resume', '--cfg-options',
        'train_cfg.max_epochs=2', GPUS='16', GPUS_PER_NODE='4',
        CPUS_PER_TASK='2', SRUN_ARGS='--quotatype=auto  --time=1:00:00',
        PYTHON='/opt/py/bin/python3', PYTHONPATH='/site/extra')
    assert code == 0
    options, task = _srun_options(call['argv'])
    assert options == [
        '-p', 'gpu-a100', '--job-name=two nodes', '--gres=gpu:4',
        '--ntasks=16', '--ntasks-per-node=4', '--cpus-per-task=2',
        '--kill-on-bad-exit=1', '--quotatype=auto', '--time=1:00:00'
    ]
    assert task == [
        '/opt/py/bin/python3', '-u', 'tools/train.py', 'my config.py',
        '--work-dir=/shared/work dir', '--launcher=slurm', '--resume',
        '--cfg-options', 'train_cfg.max_epochs=2'
    ]
    assert call['pythonpath'] == f'tools/..{os.pathsep}/site/extra'


def test_test_script_passes_checkpoint_and_options(fake_srun):
    code, call = fake_srun('slurm_test.sh', 'dev', 'eval', 'cfg.py',
                           'work_dirs/x/epoch_60.pth', '--out', 'feats.npz',
                           GPUS='2', GPUS_PER_NODE='2')
    assert code == 0
    options, task = _srun_options(call['argv'])
    assert '--ntasks=2' in options and '--gres=gpu:2' in options
    assert task == [
        'python', '-u', 'tools/test.py', 'cfg.py', 'work_dirs/x/epoch_60.pth',
        '--launcher=slurm', '--out', 'feats.npz'
    ]


@pytest.mark.parametrize('script', ['slurm_train.sh', 'slurm_test.sh'])
def test_srun_failure_is_the_script_s_exit_status(fake_srun, script):
    code, call = fake_srun(script, 'dev', 'job', 'cfg.py', 'arg4',
                           FAKE_SRUN_EXIT='3')
    assert call is not None and code == 3


@pytest.mark.parametrize('script', ['slurm_train.sh', 'slurm_test.sh'])
def test_missing_arguments_stop_before_srun(fake_srun, script):
    code, call = fake_srun(script, 'dev', 'job')
    assert code != 0 and call is None
