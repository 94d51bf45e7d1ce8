"""Names of the model index (``model-index.yml``) -> config files.

The index is the one ``mim`` and mmengine's ``mmreid_dranet::`` lookup read:
``model-index.yml`` imports metafiles whose ``Models`` entries carry a
``Name`` and a ``Config`` (relative to the repository, or to the
package's ``.mim`` folder in an installed copy).
"""
import fnmatch
import os.path as osp
from typing import Dict, List, Optional

PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _index_root() -> str:
    """The folder holding ``model-index.yml``: the package's ``.mim`` folder
    (installed copies and editable checkouts both have it), else the
    repository beside the package."""
    for root in (osp.join(PACKAGE_DIR, '.mim'), osp.dirname(PACKAGE_DIR)):
        if osp.isfile(osp.join(root, 'model-index.yml')):
            return root
    raise FileNotFoundError(
        'model-index.yml not found in the mmreid_dranet package '
        f'({PACKAGE_DIR}/.mim) or beside it; pass a config file path.')


def model_index() -> Dict[str, str]:
    """Every model name of the index and its config file (absolute path).

    Returns:
        dict[str, str]: ``{name: config path}`` in index order.
    """
    from mmengine.fileio import load
    root = _index_root()
    index = load(osp.join(root, 'model-index.yml'))
    models = {}
    for metafile in index.get('Import', []):
        for entry in load(osp.join(root, metafile)).get('Models', []):
            if 'Name' in entry and 'Config' in entry:
                models.setdefault(entry['Name'],
                                  osp.join(root, entry['Config']))
    return models


def list_models(pattern: Optional[str] = None) -> List[str]:
    """Model names of the index, optionally filtered by a wildcard pattern
    (``fnmatch``, e.g. ``'*market*'``)."""
    names = list(model_index())
    if pattern is not None:
        names = [n for n in names if fnmatch.fnmatch(n, pattern)]
    return names


def get_config_path(name_or_path: str) -> str:
    """The config file of a model name, or the given path if it is a file.

    Args:
        name_or_path (str): A config file, or a name of ``list_models()``.

    Returns:
        str: An existing config file.
    """
    if osp.isfile(name_or_path):
        return name_or_path
    if name_or_path.endswith('.py'):
        raise FileNotFoundError(f'Config file not found: {name_or_path!r} '
                                f'(looked in {osp.abspath(name_or_path)!r}).')
    models = model_index()
    if name_or_path not in models:
        raise ValueError(
            f'{name_or_path!r} is neither a config file nor a model name of '
            f'the model index; known names: {sorted(models)}')
    return models[name_or_path]
