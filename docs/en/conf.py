"""Sphinx configuration of the mmreid_dranet documentation.

Build: ``make docs`` (``sphinx-build -W --keep-going -b html docs/en
docs/en/_build/html``); warnings are errors, so a broken cross-reference,
a module that does not import or a docstring error fails the build (and
``tests/test_docs/test_docs_build.py``).
"""
import os.path as osp
import sys

DOCS = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(osp.dirname(DOCS))
# The documented package is the one of this checkout, installed or not.
sys.path.insert(0, REPO)

version_file = osp.join(REPO, 'mmreid_dranet', 'version.py')
with open(version_file) as f:
    _namespace = {}
    exec(compile(f.read(), version_file, 'exec'), _namespace)

project = 'mmreid_dranet'
author = 'mmreid_dranet contributors'
copyright = '2026, mmreid_dranet contributors'
version = release = _namespace['__version__']

extensions = [
    'myst_parser',
    'sphinx.ext.autodoc',
    'sphinx.ext.napoleon',
    'sphinx.ext.viewcode',
]
source_suffix = {'.rst': 'restructuredtext', '.md': 'markdown'}
root_doc = 'index'
exclude_patterns = ['_build']

# MyST: `{code-block}` directives with options, `(label)=` targets and
# links to headings by their slug.
myst_enable_extensions = ['colon_fence', 'deflist']
myst_heading_anchors = 4

# autodoc: a subpackage's `:members:` are what its `__all__` exports, in the
# order of the source; docstrings are Google style (napoleon).
autodoc_member_order = 'bysource'
autodoc_typehints = 'description'
autodoc_default_options = {'show-inheritance': True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
# Attributes as fields of their class: a NamedTuple's fields are also
# members, and two descriptions of one name would be a warning.
napoleon_use_ivar = True

html_theme = 'furo'
html_title = f'mmreid_dranet {release}'
html_static_path = []
