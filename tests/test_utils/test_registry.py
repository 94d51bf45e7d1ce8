import subprocess
import sys

import mmengine.registry as mmengine_registry
import pytest
from mmengine.registry import DefaultScope

import mmreid_dranet.registry as reid_registry

REGISTRY_NAMES = ('MODELS', 'DATASETS', 'TRANSFORMS', 'DATA_SAMPLERS',
                  'METRICS', 'HOOKS', 'VISUALIZERS', 'VISBACKENDS',
                  'OPTIMIZERS', 'PARAM_SCHEDULERS', 'LOOPS')


@pytest.mark.parametrize('name', REGISTRY_NAMES)
def test_registries_are_children_of_mmengine_roots(name):
    registry = getattr(reid_registry, name)
    assert registry.scope == 'mmreid_dranet'
    assert registry.parent is getattr(mmengine_registry, name)
    assert registry.parent.children['mmreid_dranet'] is registry


def test_prefixed_type_resolves_from_another_scope_without_import():
    # A fresh interpreter that never imported mmreid_dranet, working in
    # mmpretrain's scope: the 'mmreid_dranet.' prefix alone must be enough.
    code = (
        'import sys\n'
        'from mmengine.registry import DefaultScope\n'
        'from mmpretrain.registry import HOOKS\n'
        "DefaultScope.get_instance('probe', scope_name='mmpretrain')\n"
        "assert 'mmreid_dranet' not in sys.modules\n"
        "hook = HOOKS.build(dict(type='mmreid_dranet.NumClassesCheckHook'))\n"
        'print(type(hook).__module__)\n')
    result = subprocess.run([sys.executable, '-c', code], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert 'mmreid_dranet.engine.hooks' in result.stdout


def test_unregistered_type_names_type_and_scope():
    with DefaultScope.overwrite_default_scope('mmreid_dranet'):
        with pytest.raises(KeyError) as error:
            reid_registry.HOOKS.build(dict(type='NoSuchReIDHook'))
    message = str(error.value)
    assert 'NoSuchReIDHook' in message
    assert 'mmreid_dranet' in message
