"""Two "machines" on one host: ``NNODES=2`` launches of the dist scripts.

Each launch is one node with one process (gloo on CPU); node 0 hosts the
rendezvous at ``MASTER_ADDR:PORT``, as on a real two-machine job.
"""
import os
import os.path as osp
import signal
import subprocess
import sys

import numpy as np


def _launch_two_nodes(tools, script_args):
    port = tools.free_port()
    nodes = [
        tools.popen(['bash', *script_args],
                    env=tools.env(NNODES='2', NODE_RANK=str(rank),
                                  MASTER_ADDR='127.0.0.1', PORT=port))
        for rank in (0, 1)
    ]
    try:
        outputs = [node.communicate(timeout=300)[0] for node in nodes]
    except subprocess.TimeoutExpired:
        # Both sessions, so that no torchrun is left waiting at its exit
        # barrier; the outputs show which node stopped where.
        for node in nodes:
            try:
                os.killpg(node.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        outputs = [node.communicate()[0] for node in nodes]
        raise AssertionError('a node did not finish in 300 s:\n' + '\n'.join(
            f'--- node {rank}:\n{output[-3000:]}'
            for rank, output in enumerate(outputs)))
    for rank, (node, output) in enumerate(zip(nodes, outputs)):
        assert node.returncode == 0, f'node {rank}:\n{output[-4000:]}'
    return outputs


def test_two_nodes_train_and_test_like_one_process(
        tools, synthetic_market_root, tmp_path):
    work_dir = str(tmp_path / 'two_nodes')
    node0, node1 = _launch_two_nodes(tools, [
        'tools/dist_train.sh', tools.tiny_config, '1', '--data-root',
        synthetic_market_root, '--work-dir', work_dir, '--verbose'
    ])
    # mmengine prints the environment (world size included) on rank 0 only
    # (on the console with --verbose; always in the log file).
    assert 'Distributed training: True' in node0
    assert 'GPU number: 2' in node0  # the world size, on CPU too
    checkpoint = osp.join(work_dir, 'epoch_4.pth')
    assert osp.isfile(checkpoint)

    two_nodes = _launch_two_nodes(tools, [
        'tools/dist_test.sh', tools.tiny_config, checkpoint, '1',
        '--data-root', synthetic_market_root,
        '--work-dir', str(tmp_path / 'test_two'),
        '--out', str(tmp_path / 'two.npz')
    ])[0]
    _, one_process = tools.run([
        sys.executable, 'tools/test.py', tools.tiny_config, checkpoint,
        '--data-root', synthetic_market_root,
        '--work-dir', str(tmp_path / 'test_one'),
        '--out', str(tmp_path / 'one.npz')
    ])
    assert tools.test_metrics(two_nodes) == tools.test_metrics(one_process)
    one, two = np.load(tmp_path / 'one.npz'), np.load(tmp_path / 'two.npz')
    for key in ('query_pids', 'gallery_pids', 'query_paths',
                'gallery_paths'):
        np.testing.assert_array_equal(one[key], two[key])
    np.testing.assert_allclose(one['gallery_feats'], two['gallery_feats'],
                               atol=1e-5)
