"""The runnable Python blocks of the docs run, and print what they say.

A block is runnable when the line before its fence is the HTML comment
``<!-- runnable: tests/test_docs/test_code_blocks.py runs this block -->``
(invisible on the rendered page). The blocks of get_started.md and of the
inference guide are written for the model `make demo` trains; here they run
in a temporary working folder that holds the same paths, filled with a tiny
model and a small synthetic data set:

- ``configs/dranet/dranet_demo_synthetic.py``: the tests' tiny demo config
  (tests/test_e2e/tiny_demo_config.py, inherited);
- ``work_dirs/dranet_demo_synthetic/epoch_24.pth``: a tiny checkpoint of it
  (random weights, ``save_tiny_checkpoint`` of the inference tests);
- ``data/synthetic_market``: the session's synthetic Market-1501 set;
- ``work_dirs/dranet_demo.onnx``: written by the documented export tool.
"""
import contextlib
import glob
import io
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from tests.helpers.tiny_model import TINY_CONFIG, save_tiny_checkpoint

DEMO_CONFIG = 'configs/dranet/dranet_demo_synthetic.py'
DEMO_CHECKPOINT = 'work_dirs/dranet_demo_synthetic/epoch_24.pth'
ONNX_FILE = 'work_dirs/dranet_demo.onnx'


@pytest.fixture(scope='module')
def demo_folder(tmp_path_factory, synthetic_market_root, repo_root):
    """A working folder with the paths the blocks use (see above)."""
    root = tmp_path_factory.mktemp('docs_cwd')
    os.makedirs(root / 'configs' / 'dranet')
    (root / DEMO_CONFIG).write_text(f'_base_ = [{TINY_CONFIG!r}]\n')
    os.makedirs(root / 'work_dirs' / 'dranet_demo_synthetic')
    save_tiny_checkpoint(str(root / DEMO_CHECKPOINT))
    os.makedirs(root / 'data')
    os.symlink(synthetic_market_root, root / 'data' / 'synthetic_market')
    export = subprocess.run(
        [sys.executable,
         osp.join(repo_root, 'tools', 'deployment', 'pytorch2onnx.py'),
         DEMO_CONFIG, DEMO_CHECKPOINT, '--out', ONNX_FILE],
        cwd=root, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert export.returncode == 0, export.stdout + export.stderr
    return root


def runnable_blocks(page, read_doc, code_blocks):
    blocks = [(code, line) for lang, code, runnable, line in
              code_blocks(read_doc(page)) if runnable]
    assert all(code.strip() for code, _ in blocks), page
    return blocks


def run_block(code, folder, page, line):
    """Run one block in a fresh namespace with ``folder`` as the working
    folder; return (namespace, what it printed)."""
    namespace, printed = {'__name__': '__docs__'}, io.StringIO()
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(code, f'{page}:{line}', 'exec'), namespace)
    finally:
        os.chdir(cwd)
    return namespace, printed.getvalue()


def images(folder, sub):
    return sorted(glob.glob(osp.join(folder, 'data', 'synthetic_market',
                                     sub, '*.jpg')))


def test_get_started_block(demo_folder, read_doc, code_blocks):
    page = 'docs/en/get_started.md'
    (code, line), = runnable_blocks(page, read_doc, code_blocks)
    namespace, printed = run_block(code, demo_folder, page, line)
    embeddings = namespace['embeddings']
    num_queries = len(images(demo_folder, 'query'))
    assert printed.strip() == f'({num_queries}, {embeddings.shape[1]}) '\
                              'float32'
    # The tiny config's embedding: 3 parts x [GAP(B), GAP(S)] of K=16.
    assert embeddings.shape == (num_queries, 3 * 2 * 16)
    assert np.isfinite(embeddings).all() and embeddings.std() > 0


def test_inference_guide_blocks(demo_folder, read_doc, code_blocks):
    page = 'docs/en/user_guides/inference.md'
    (embed, l1), (search, l2), (onnx, l3) = runnable_blocks(
        page, read_doc, code_blocks)
    queries = images(demo_folder, 'query')
    gallery_images = images(demo_folder, 'bounding_box_test')

    namespace, printed = run_block(embed, demo_folder, page, l1)
    torch_embeddings = namespace['embeddings']
    assert printed.split() == [str(len(queries)), f'({len(queries)},',
                               f'{torch_embeddings.shape[1]})']
    assert [osp.basename(p) for p in namespace['result']['paths']] == [
        osp.basename(p) for p in queries]

    namespace, printed = run_block(search, demo_folder, page, l2)
    shapes, nearest = printed.strip().splitlines()
    assert shapes == f'({len(queries)}, 10) ({len(queries)}, 10)'
    result = namespace['result']
    assert np.all(np.diff(np.asarray(result.distances), axis=1) >= 0)
    assert osp.basename(nearest) == osp.basename(
        gallery_images[int(result.indices[0][0])])
    saved = np.load(demo_folder / 'work_dirs' / 'gallery.npz',
                    allow_pickle=False)
    assert saved['gallery_feats'].shape == (len(gallery_images),
                                            torch_embeddings.shape[1])
    picture = namespace['picture']
    assert picture.ndim == 3 and picture.shape[2] == 3
    assert picture.dtype == np.uint8

    namespace, printed = run_block(onnx, demo_folder, page, l3)
    onnx_embeddings = namespace['embeddings']
    assert printed.strip() == str(torch_embeddings.shape)
    # The page says: equal to the inferencer's (tools/test.py's) to 1e-5.
    np.testing.assert_allclose(onnx_embeddings, torch_embeddings,
                               rtol=0, atol=1e-5)


def test_the_marker_finds_blocks(code_blocks):
    text = ('```python\nskipped()\n```\n\n'
            '<!-- runnable: here -->\n```python\nrun()\n```\n')
    assert [(code, runnable) for _, code, runnable, _ in code_blocks(
        text)] == [('skipped()', False), ('run()', True)]
