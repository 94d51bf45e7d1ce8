"""The import graph of ``mmreid_dranet/``: no circle, and ``utils/`` (the
ground floor) imports no domain package.

The graph is read from the source with ``ast``, so it holds every import
that can run: module-level and inside functions, absolute and relative.
Importing ``a.b.c`` runs ``a/__init__``, ``a/b/__init__`` and ``a/b/c``, so
an import is an edge to each of them, except to the importer's own
packages (Python has imported those before the importer runs).
"""
import ast
import os
import os.path as osp

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
PACKAGE = 'mmreid_dranet'
GROUND_FLOOR = f'{PACKAGE}.utils'
DOMAIN_PACKAGES = tuple(
    f'{PACKAGE}.{name}' for name in ('apis', 'datasets', 'engine',
                                     'evaluation', 'models',
                                     'visualization'))


def package_modules(root=osp.join(REPO, PACKAGE)):
    """Map each module name of the package to its file.

    Folders whose name starts with a dot (``.mim``: links to configs/ and
    tools/) hold no module of the package.
    """
    modules = {}
    base = osp.dirname(root)
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders
                               if not d.startswith(('.', '__')))
        for name in files:
            if not name.endswith('.py'):
                continue
            parts = osp.relpath(osp.join(folder, name), base)[:-3].split(
                os.sep)
            if parts[-1] == '__init__':
                parts = parts[:-1]
            modules['.'.join(parts)] = osp.join(folder, name)
    return modules


def _ancestors(module):
    parts = module.split('.')
    return ['.'.join(parts[:i]) for i in range(1, len(parts))]


def _imported_names(module, path, modules):
    """Every module name an import statement of ``module`` names."""
    with open(path) as file:
        tree = ast.parse(file.read(), filename=path)
    is_package = path.endswith('__init__.py')
    package = module if is_package else module.rpartition('.')[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split('.')
                base = '.'.join(parts[:len(parts) - node.level + 1])
                source = f'{base}.{node.module}' if node.module else base
            else:
                source = node.module
            yield source
            for alias in node.names:
                # `from a import b` imports the module a.b when there is one.
                if f'{source}.{alias.name}' in modules:
                    yield f'{source}.{alias.name}'


def import_graph(modules):
    """Edges ``module -> modules whose code its imports run``."""
    graph = {}
    for module, path in modules.items():
        own = {module, *_ancestors(module)}
        targets = set()
        for name in _imported_names(module, path, modules):
            for target in (*_ancestors(name), name):
                if target in modules and target not in own:
                    targets.add(target)
        graph[module] = sorted(targets)
    return graph


def find_cycle(graph):
    """One import circle as ``[a, b, ..., a]``, or None."""
    state = {}  # module -> 'open' while on the path, 'done' after
    path = []

    def visit(module):
        state[module] = 'open'
        path.append(module)
        for target in graph.get(module, ()):
            if state.get(target) == 'open':
                return path[path.index(target):] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        state[module] = 'done'
        return None

    for module in sorted(graph):
        if module not in state:
            cycle = visit(module)
            if cycle:
                return cycle
    return None


def _in(module, packages):
    return any(module == p or module.startswith(p + '.') for p in packages)


def test_graph_reader_sees_every_kind_of_import(tmp_path):
    """The reader on a small package with a circle through a function-level
    relative import and an implicit ``__init__``."""
    root = tmp_path / 'pkg'
    (root / 'sub').mkdir(parents=True)
    (root / '__init__.py').write_text('')
    (root / 'sub' / '__init__.py').write_text('from .leaf import f\n')
    (root / 'sub' / 'leaf.py').write_text(
        'def f():\n    from ..top import g\n    return g\n')
    (root / 'top.py').write_text('import pkg.sub.leaf\n')
    modules = package_modules(str(root))
    assert sorted(modules) == ['pkg', 'pkg.sub', 'pkg.sub.leaf', 'pkg.top']
    graph = import_graph(modules)
    assert graph == {'pkg': [], 'pkg.sub': ['pkg.sub.leaf'],
                     'pkg.sub.leaf': ['pkg.top'],
                     'pkg.top': ['pkg.sub', 'pkg.sub.leaf']}
    assert find_cycle(graph) == ['pkg.sub', 'pkg.sub.leaf', 'pkg.top',
                                 'pkg.sub']
    (root / 'top.py').write_text('import os\n')
    assert find_cycle(import_graph(package_modules(str(root)))) is None


def test_no_import_circle():
    modules = package_modules()
    assert f'{PACKAGE}.utils.checkpoint' in modules
    cycle = find_cycle(import_graph(modules))
    assert cycle is None, 'import circle: ' + ' -> '.join(cycle)


def test_utils_imports_no_domain_package():
    graph = import_graph(package_modules())
    offending = [f'{module} imports {target}'
                 for module, targets in graph.items()
                 if _in(module, [GROUND_FLOOR])
                 for target in targets if _in(target, DOMAIN_PACKAGES)]
    assert offending == []
