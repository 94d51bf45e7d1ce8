"""Importing mmreid_dranet (and reading its configs) leaves other libraries'
global state exactly as it was."""
import json
import subprocess
import sys
import textwrap

SUBPACKAGES = ('apis', 'datasets', 'engine', 'evaluation', 'models', 'utils',
               'visualization')

# Prints the other libraries' modules that importing the package loads.
DEPENDENCIES = textwrap.dedent(f'''
    import json
    import sys
    for name in {SUBPACKAGES!r}:
        __import__('mmreid_dranet.' + name)
    print(json.dumps(sorted(
        name for name in sys.modules
        if name.split('.')[0] not in ('mmreid_dranet', '__main__'))))
''')

# Prints, as JSON, the state of torch and mmengine that a plugin could
# change behind its user's back: before the import (with the libraries it
# loads already imported: torch registers safe globals of its own as its
# submodules load), after `import mmreid_dranet`, after importing every
# subpackage, and after reading a config whose base is named
# `mmreid_dranet::...`.
PROBE = textwrap.dedent('''
    import importlib
    import json
    import sys

    with open(sys.argv[2]) as file:
        dependencies = json.load(file)
    for name in dependencies:
        try:
            importlib.import_module(name)
        except Exception:  # e.g. private modules that need their parent
            pass

    import mmengine.config.config as config_module
    import mmengine.utils as mmengine_utils
    import torch
    from mmengine.config.utils import MODULE2PACKAGE
    from mmengine.fileio.backends import registry_utils


    def describe(value):
        return f'{getattr(value, "__module__", "")}.' \\
            f'{getattr(value, "__qualname__", repr(value))}@{id(value)}'


    def state():
        return dict(
            safe_globals=sorted(
                describe(entry[0]) + ' as ' + entry[1]
                if isinstance(entry, tuple) else describe(entry)
                for entry in torch.serialization.get_safe_globals()),
            module2package=dict(MODULE2PACKAGE),
            config_get_installed_path=describe(
                config_module.get_installed_path),
            utils_get_installed_path=describe(
                mmengine_utils.get_installed_path),
            backends={name: describe(cls) for name, cls in
                      registry_utils.backends.items()},
            prefix_to_backends={name: describe(cls) for name, cls in
                                registry_utils.prefix_to_backends.items()})


    states = dict(before=state())
    import mmreid_dranet  # noqa: E402
    states['package'] = state()
    for name in SUBPACKAGES:
        importlib.import_module('mmreid_dranet.' + name)
    states['subpackages'] = state()
    from mmreid_dranet.utils import load_config  # noqa: E402
    cfg = load_config(sys.argv[1])
    states['config_read'] = state()
    states['config'] = [cfg.default_scope, cfg.train_cfg.max_epochs]
    print(json.dumps(states))
''').replace('SUBPACKAGES', repr(SUBPACKAGES))


def test_import_changes_no_other_library_s_state(tmp_path):
    config = tmp_path / 'my_config.py'
    config.write_text(
        "_base_ = 'mmreid_dranet::dranet/dranet_r50_market.py'\n"
        'train_cfg = dict(max_epochs=3)\n')
    loaded = subprocess.run([sys.executable, '-c', DEPENDENCIES],
                            capture_output=True, text=True, timeout=300)
    assert loaded.returncode == 0, loaded.stderr[-4000:]
    dependencies = tmp_path / 'dependencies.json'
    dependencies.write_text(loaded.stdout.strip().splitlines()[-1])
    result = subprocess.run(
        [sys.executable, '-c', PROBE, str(config), str(dependencies)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    states = json.loads(result.stdout.strip().splitlines()[-1])
    assert states['config'] == ['mmreid_dranet', 3]
    before = states['before']
    assert 'mmreid_dranet' not in before['module2package']
    for moment in ('package', 'subpackages', 'config_read'):
        for key, value in before.items():
            assert states[moment][key] == value, (moment, key)
