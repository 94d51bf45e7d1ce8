"""A non-editable install carries configs/ and tools/ (the mim layout), and
``mmreid_dranet.utils.load_config`` reads configs based on
``mmreid_dranet::...`` from any kind of install."""
import os
import os.path as osp
import shutil
import subprocess
import sys
import textwrap

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SKIP = shutil.ignore_patterns('.venv', '.git', 'work_dirs', '.mim', 'data',
                              '__pycache__', '*.egg-info', 'build', 'dist')


def test_installed_package_resolves_mim_configs(tmp_path):
    # Build from a copy: a non-editable build writes mmreid_dranet/.mim.
    source = tmp_path / 'source'
    shutil.copytree(REPO, source, ignore=SKIP, symlinks=True)
    site = tmp_path / 'site'
    install = subprocess.run(
        [sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps',
         '--no-build-isolation', '--target', str(site), str(source)],
        capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr

    user_dir = tmp_path / 'user'
    user_dir.mkdir()
    (user_dir / 'my_config.py').write_text(textwrap.dedent('''
        _base_ = 'mmreid_dranet::dranet/dranet_r50_market.py'
        train_cfg = dict(max_epochs=3)
        '''))
    probe = textwrap.dedent('''
        import os.path as osp
        import mmreid_dranet
        from mmengine.utils import get_installed_path
        from mmreid_dranet.utils import load_config
        package = get_installed_path('mmreid_dranet')
        cfg = load_config('my_config.py')
        print(osp.realpath(mmreid_dranet.__file__))
        print(osp.realpath(package))
        print(cfg.default_scope, cfg.train_cfg.max_epochs,
              cfg.auto_scale_lr.base_batch_size)
        print(osp.isfile(osp.join(package, '.mim/tools/train.py')))
        ''')
    env = dict(os.environ, PYTHONPATH=str(site))
    result = subprocess.run([sys.executable, '-c', probe], cwd=user_dir,
                            env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    module_file, package_dir, config_line, has_tools = \
        result.stdout.strip().splitlines()[-4:]
    assert module_file.startswith(osp.realpath(site))
    assert package_dir.startswith(osp.realpath(site))
    assert config_line == 'mmreid_dranet 3 64'
    assert has_tools == 'True'


def test_development_install_resolves_mim_configs(tmp_path):
    # `make` installs the checkout in editable mode (PEP 660), where the
    # package folder does not sit beside its dist-info.
    (tmp_path / 'my_config.py').write_text(
        "_base_ = 'mmreid_dranet::dranet/dranet_r50_duke.py'\n")
    probe = textwrap.dedent('''
        from mmengine.config import Config
        from mmreid_dranet.utils.mim import mim_configs
        with mim_configs():
            cfg = Config.fromfile('my_config.py')
        print(cfg.default_scope, cfg.runner_type,
              cfg.train_dataloader.dataset.type)
        ''')
    result = subprocess.run([sys.executable, '-c', probe], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == \
        'mmreid_dranet mmreid_dranet.ReIDRunner DukeMTMCReID'
