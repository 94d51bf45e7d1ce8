"""What the docs tests share: the documentation pages and their code blocks.

Pages: README.md, every page of the site (docs/en/**/*.md),
benchmarks/README.md and configs/*/README.md. A test that takes a ``page``
argument runs once per page (``pytest_generate_tests`` below); the
``code_blocks`` fixture splits a page's text into its fenced blocks.
"""
import glob
import os.path as osp
import re

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DOCS = osp.join(REPO, 'docs', 'en')

# A code block marked runnable is preceded by this HTML comment (invisible
# in the rendered page):
# <!-- runnable: tests/test_docs/test_code_blocks.py runs this block -->
RUNNABLE_MARK = '<!-- runnable:'
_FENCE = re.compile(r'^```(\S*)\s*$')


def doc_pages():
    """Repository-relative paths of every documentation page, sorted."""
    pages = ['README.md', 'benchmarks/README.md']
    pages += glob.glob('configs/*/README.md', root_dir=REPO)
    pages += glob.glob('docs/en/**/*.md', root_dir=REPO, recursive=True)
    return sorted(p for p in pages
                  if osp.isfile(osp.join(REPO, p)) and '_build' not in p)


def read_page(page):
    with open(osp.join(REPO, page), encoding='utf-8') as f:
        return f.read()


def split_code_blocks(text):
    """Fenced code blocks of a Markdown text.

    Returns:
        list[tuple]: ``(language, code, runnable, line)`` per block;
        ``runnable`` is True when the last non-blank line before the fence
        holds :data:`RUNNABLE_MARK`; ``line`` is the fence's 1-based line.
    """
    blocks, lines = [], text.splitlines()
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        before = [line for line in lines[:i] if line.strip()]
        runnable = bool(before) and before[-1].startswith(RUNNABLE_MARK)
        end = i + 1
        while end < len(lines) and lines[end].rstrip() != '```':
            end += 1
        blocks.append((match.group(1), '\n'.join(lines[i + 1:end]),
                       runnable, i + 1))
        i = end + 1
    return blocks


def pytest_generate_tests(metafunc):
    if 'page' in metafunc.fixturenames:
        metafunc.parametrize('page', doc_pages())


@pytest.fixture(scope='session')
def read_doc():
    """``read_doc(page)``: the text of a repository-relative page."""
    return read_page


@pytest.fixture(scope='session')
def code_blocks():
    """``code_blocks(text)``: see :func:`split_code_blocks`."""
    return split_code_blocks


@pytest.fixture(scope='session')
def repo_root():
    """The repository root (the checkout the tests run from)."""
    return REPO


@pytest.fixture(scope='session')
def docs_source():
    """The Sphinx source folder, docs/en."""
    return DOCS
