"""mim_configs: mmreid_dranet:: configs resolve inside the block only."""
import mmengine.config.config as config_module
import pytest
from mmengine.config import Config
from mmengine.config.utils import MODULE2PACKAGE

from mmreid_dranet.utils import load_config
from mmreid_dranet.utils.mim import mim_configs, package_dir


def _state():
    return dict(MODULE2PACKAGE), config_module.get_installed_path


def test_block_resolves_our_configs_and_restores_mmengine(tmp_path):
    config = tmp_path / 'my_config.py'
    config.write_text("_base_ = 'mmreid_dranet::dranet/dranet_r50_duke.py'\n")
    before = _state()
    with mim_configs():
        assert config_module.get_installed_path('mmreid_dranet') == \
            package_dir()
        cfg = Config.fromfile(str(config))
    assert cfg.train_dataloader.dataset.type == 'DukeMTMCReID'
    assert _state() == before
    # Outside the block mmengine is as it ships: it refuses the name.
    with pytest.raises(AssertionError, match='mmreid_dranet'):
        Config.fromfile(str(config))
    assert load_config(str(config)).default_scope == 'mmreid_dranet'
    assert _state() == before


def test_block_restores_mmengine_when_the_read_fails(tmp_path):
    config = tmp_path / 'bad.py'
    config.write_text("_base_ = 'mmreid_dranet::dranet/no_such.py'\n")
    before = _state()
    with pytest.raises(FileNotFoundError, match='no_such.py'):
        load_config(str(config))
    assert _state() == before
