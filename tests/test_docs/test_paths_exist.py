"""Every script, config and module the documentation names exists.

Checked in each page (see conftest.py): paths of scripts
(``tools/...py|sh``, ``demo/...py``, ``benchmarks/...py``), configs
(``configs/...py``, ``mmreid_dranet::...py``), package files
(``mmreid_dranet/...py``) and tests (``tests/...py``); dotted names
``mmreid_dranet.x.y`` (a module, a name in one, or a registered type of the
``mmreid_dranet`` scope); and the local targets of Markdown links.
Paths with placeholders (``*``, ``<...>``, ``NNN``) are not names of files
and are left out by the patterns.
"""
import glob
import importlib
import os.path as osp
import re

FILE_PATH = re.compile(
    r'(?<![\w./-])((?:tools|demo|benchmarks|tests)/[\w./-]*\w\.(?:py|sh)'
    r'|configs/[\w./-]*\w\.py|mmreid_dranet/[\w./-]*\w\.py)(?![\w*])')
SCOPED_CONFIG = re.compile(r"mmreid_dranet::([\w./-]+\.py)")
DOTTED_NAME = re.compile(r'(?<![\w./])(mmreid_dranet(?:\.\w+)+)')
MD_LINK = re.compile(r'\]\(([^)\s]+)\)')


def resolve_dotted(name):
    """The object a dotted name names, or None.

    The longest importable module prefix, then attributes; a two-part name
    ``mmreid_dranet.Type`` may also be a registered type (config ``type=``).
    """
    parts = name.split('.')
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module('.'.join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
            return obj
        except AttributeError:
            break
    if len(parts) == 2:
        from mmengine.registry import Registry

        from mmreid_dranet import registry
        for value in vars(registry).values():
            if isinstance(value, Registry) and value.get(name) is not None:
                return value.get(name)
    return None


def missing_files(page, text, repo):
    named = set(FILE_PATH.findall(text))
    named |= {'configs/' + p for p in SCOPED_CONFIG.findall(text)}
    return sorted(p for p in named if not osp.exists(osp.join(repo, p)))


def broken_links(page, text, repo):
    broken = []
    for target in MD_LINK.findall(text):
        if re.match(r'[a-z]+:', target) or target.startswith('#'):
            continue  # a URL or an anchor of the same page
        path = target.split('#')[0]
        if not osp.exists(osp.join(repo, osp.dirname(page), path)):
            broken.append(target)
    return broken


def test_named_files_exist(page, read_doc, repo_root):
    text = read_doc(page)
    assert not missing_files(page, text, repo_root), (
        f'{page} names files that do not exist: '
        f'{missing_files(page, text, repo_root)}')
    assert not broken_links(page, text, repo_root), (
        f'{page} links to files that do not exist: '
        f'{broken_links(page, text, repo_root)}')


def test_named_modules_import(page, read_doc):
    names = sorted(set(DOTTED_NAME.findall(read_doc(page))))
    unresolved = [name for name in names if resolve_dotted(name) is None]
    assert not unresolved, (
        f'{page} names what does not import: {unresolved}')


def test_the_patterns_find_what_pages_name(repo_root):
    """The checks above see the kinds of names the pages use (and would
    report a wrong one)."""
    text = ('python tools/train.py configs/dranet/dranet_r50_market.py; '
            '`mmreid_dranet/utils/checkpoint.py`, tools/dist_*.sh, '
            "_base_ = 'mmreid_dranet::dranet/no_such.py'; "
            'tools/misc/no_such_tool.py [x](no_such.md)')
    assert set(FILE_PATH.findall(text)) == {
        'tools/train.py', 'configs/dranet/dranet_r50_market.py',
        'mmreid_dranet/utils/checkpoint.py', 'tools/misc/no_such_tool.py'}
    assert missing_files('README.md', text, repo_root) == [
        'configs/dranet/no_such.py', 'tools/misc/no_such_tool.py']
    assert broken_links('README.md', text, repo_root) == ['no_such.md']
    assert resolve_dotted('mmreid_dranet.apis.ReIDInferencer') is not None
    assert resolve_dotted('mmreid_dranet.DRANeck') is not None
    assert resolve_dotted('mmreid_dranet.apis.NoSuchName') is None


def package_map_entries(text):
    """Paths of the package map (the ``mmreid_dranet/`` text block of the
    architecture page): each line's first word that ends in ``/`` or
    ``.py``, under the folder of the last less-indented line."""
    block = next(code for _, code in re.findall(
        r'```(\w*)\n(mmreid_dranet/\n.*?)```', text, re.S))
    entries, folders = [], {0: 'mmreid_dranet/'}
    for line in block.splitlines()[1:]:
        word = line.split()[0] if line.strip() else ''
        if not (word.endswith('/') or word.endswith('.py')):
            continue  # a description continued from the line above
        indent = (len(line) - len(line.lstrip())) // 2
        path = folders[indent - 1] + word
        if word.endswith('/'):
            folders[indent] = path
        entries.append(path)
    return entries


def test_package_map_matches_the_package(read_doc, repo_root):
    entries = package_map_entries(
        read_doc('docs/en/advanced_guides/architecture.md'))
    assert 'mmreid_dranet/evaluation/functional/reid_evaluation.py' in (
        entries)
    missing = [p for p in entries
               if not glob.glob(osp.join(repo_root, p))]
    assert not missing, f'the package map names what is not there: {missing}'


def test_package_map_names_every_subpackage(read_doc, repo_root):
    """A folder added to the package shows up in the map."""
    entries = package_map_entries(
        read_doc('docs/en/advanced_guides/architecture.md'))
    packages = sorted(
        osp.relpath(osp.dirname(init), repo_root) + '/'
        for init in glob.glob(osp.join(repo_root, 'mmreid_dranet', '**',
                                       '__init__.py'), recursive=True))
    unmapped = [p for p in packages
                if not any(e.startswith(p) for e in entries)]
    assert not unmapped, f'the package map leaves out {unmapped}'
