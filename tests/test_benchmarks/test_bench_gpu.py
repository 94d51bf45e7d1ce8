"""benchmarks/bench_gpu.py: a clear skip without CUDA, and every code path
run on the CPU at toy sizes (``--dry-run``)."""
import math
import os
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(REPO, 'benchmarks', 'bench_gpu.py')


def _run(*args):
    result = subprocess.run([sys.executable, SCRIPT, *args], cwd=REPO,
                            capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.skipif(torch.cuda.is_available(), reason='CUDA is here')
def test_without_cuda_it_says_it_measured_nothing():
    output = _run()
    assert output.strip().splitlines() == [
        'bench_gpu: SKIPPED - no CUDA device here (torch.cuda.is_available() '
        'is False); no GPU numbers were measured.'
    ]


def test_dry_run_goes_through_every_section():
    output = _run('--dry-run')
    assert 'CPU dry run' in output
    losses = re.findall(r'\| train (fp32(?: \+ channels_last)?) \|.*'
                        r'last loss (\S+) \|', output)
    assert [name for name, _ in losses] == ['fp32', 'fp32 + channels_last']
    # Same weights, same batch: the memory layout must not change the loss.
    first, second = (float(loss) for _, loss in losses)
    assert math.isfinite(first) and math.isclose(first, second, rel_tol=1e-4)
    assert 'step with FiniteLossHook' in output
    assert re.search(r'evaluate_reid \| [\d.]+ s \| [\d.]+ x product \| '
                     r'mAP [\d.]+', output)
