"""Run the model, data, evaluation and inference benchmarks; one report.

Usage: ``python benchmarks/run_all.py [--quick]`` (``make bench``).
Each benchmark is its own script that prints a markdown table; they run one
after another in fresh processes so that none disturbs the other's timing.
"""
import argparse
import os.path as osp
import platform
import subprocess
import sys
import time

import torch

BENCHMARKS = ('bench_model.py', 'bench_data.py', 'bench_eval.py',
              'bench_inference.py', 'bench_tracking.py', 'bench_service.py')


def machine_summary():
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            names = [line.split(':', 1)[1].strip() for line in f
                     if line.startswith('model name')]
        cpu = f'{names[0]} x{len(names)}' if names else cpu
    except OSError:
        pass
    return (f'{cpu}; torch {torch.__version__}, '
            f'{torch.get_num_threads()} threads; Python '
            f'{platform.python_version()}')


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--quick', action='store_true',
                        help='small sizes, for a smoke run')
    args = parser.parse_args()
    here = osp.dirname(osp.abspath(__file__))
    report = [f'# mmreid_dranet benchmarks\n\nMachine: {machine_summary()}\n']
    failed = []
    for script in BENCHMARKS:
        command = [sys.executable, osp.join(here, script)]
        if args.quick:
            command.append('--quick')
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        print(f'[{script}] finished in {seconds:.0f} s', file=sys.stderr)
        if result.returncode != 0:
            failed.append(script)
            report.append(f'## {script}: FAILED\n\n```\n'
                          f'{result.stderr[-3000:]}\n```\n')
        else:
            report.append(f'## {script}\n\n{result.stdout.strip()}\n')
    print('\n'.join(report))
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
