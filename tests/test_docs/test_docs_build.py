"""The documentation site builds with warnings as errors (as `make docs`).

A broken cross-reference, a page missing from every toctree, a module that
does not import or a docstring that docutils cannot parse fails this test,
with Sphinx's messages in the failure.
"""
import os
import os.path as osp
import subprocess
import sys


def test_docs_build_without_warnings(docs_source, tmp_path):
    out = tmp_path / 'html'
    result = subprocess.run(
        [sys.executable, '-m', 'sphinx', '-W', '--keep-going', '-q', '-b',
         'html', docs_source, str(out)],
        capture_output=True, text=True, timeout=900,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    messages = result.stdout + result.stderr
    assert result.returncode == 0, f'sphinx-build failed:\n{messages}'
    # Each subpackage's API page documents the names it exports.
    api = (out / 'api' / 'evaluation.html').read_text(encoding='utf-8')
    assert 'id="mmreid_dranet.evaluation.evaluate_reid"' in api
    assert osp.isfile(out / 'get_started.html')
    assert osp.isfile(out / '_images' / 'attention.png')
