"""release_process_group: the end of a distributed run of ``tools/``."""
import subprocess
import sys
import textwrap

from mmreid_dranet.utils.distributed import release_process_group

# A one-process gloo group that has run a collective and wrapped a model in
# DDP, as the tools leave it; in its own interpreter so that no group
# leaks into the other tests.
_SCRIPT = textwrap.dedent('''
    import os, socket
    import torch
    import torch.distributed as dist
    from mmreid_dranet.utils.distributed import release_process_group

    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=0, world_size=1)
    model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(2, 2))
    gathered = [torch.zeros(3)]
    dist.all_gather(gathered, torch.arange(3.))
    assert gathered[0].tolist() == [0., 1., 2.]
    release_process_group()
    print('initialized after release:', dist.is_initialized())
    release_process_group()  # a second call has nothing to do
''')


def test_release_destroys_the_default_group():
    result = subprocess.run([sys.executable, '-c', _SCRIPT],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'initialized after release: False' in result.stdout


def test_release_without_a_group_does_nothing():
    import torch.distributed as dist
    assert not dist.is_initialized()
    release_process_group()
    assert not dist.is_initialized()
