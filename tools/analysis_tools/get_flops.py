"""Parameters, FLOPs and CPU images/s of re-ID models, as a markdown table.

    python tools/analysis_tools/get_flops.py [CONFIG ...] \\
        [--shape H W [H W ...]] [--num-classes 751] \\
        [--batch-size 16] [--iters 3]

Without configs: DRANet (``dranet_r50_market.py``), the paper's Table-4
baseline (``dranet_r50_market_baseline.py``) and BoT (``bot_r50_market.py``),
each at 256x128 and 384x128, with Market-1501's 751 training identities.
(``dranet_r50_market_256x128.py`` builds the very model of
``dranet_r50_market.py``, only its data pipeline differs: its counts are
DRANet's 256x128 row.) Counted on the CPU with mmengine's complexity
analysis (``mmengine.analysis``: ``parameter_count`` and ``FlopAnalyzer``,
the numbers ``get_model_complexity_info`` reports, less its activation
count and its warnings about the classifiers, which inference never calls):

- parameters: every parameter of the model, the identity classifiers
  included (they depend on ``--num-classes``);
- FLOPs: one image through the inference embedding (``mode='tensor'``,
  flip test off), one fused multiply-add counted as one FLOP, as mmengine
  (fvcore) counts. Operators mmengine has no FLOP rule for (element-wise
  ones, max pooling, means) count zero; the tool lists them under the
  table;
- images/s: inference embeddings per second on this machine's CPU, eval
  mode, no gradients, batches of ``--batch-size`` random images, the mean
  over ``--iters`` timed batches after one untimed warm-up batch, with
  torch's current thread count (printed with the CPU model under the table;
  set ``OMP_NUM_THREADS`` to fix it). ``--iters 0`` skips the timing.
"""
import argparse
import os.path as osp
import platform
import sys
import time
from typing import List, Sequence, Tuple

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CONFIGS = (
    'configs/dranet/dranet_r50_market.py',
    'configs/dranet/dranet_r50_market_baseline.py',
    'configs/baselines/bot_r50_market.py',
)
DEFAULT_SHAPES = ((256, 128), (384, 128))
MARKET_TRAIN_IDS = 751


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='*',
                        help='config files (default: DRANet, the Table-4 '
                        'baseline and BoT on Market-1501)')
    parser.add_argument('--shape', type=int, nargs='+',
                        help='input sizes as H W pairs, e.g. 256 128 384 128 '
                        '(default: 256x128 and 384x128)')
    parser.add_argument('--num-classes', type=int, default=MARKET_TRAIN_IDS,
                        help='training identities of the classifiers '
                        f'(default: {MARKET_TRAIN_IDS}, Market-1501)')
    parser.add_argument('--batch-size', type=int, default=16,
                        help='images per timed batch (default: 16)')
    parser.add_argument('--iters', type=int, default=3,
                        help='timed batches for images/s (default: 3; 0: '
                        'no timing)')
    args = parser.parse_args(argv)
    if args.batch_size < 1 or args.iters < 0:
        parser.error('--batch-size must be positive and --iters >= 0, got '
                     f'{args.batch_size} and {args.iters}')
    if args.shape is None:
        args.shape = list(DEFAULT_SHAPES)
    elif len(args.shape) % 2 or min(args.shape) < 1:
        parser.error(f'--shape takes positive H W pairs, got {args.shape}')
    else:
        args.shape = list(zip(args.shape[::2], args.shape[1::2]))
    if args.num_classes < 1:
        parser.error(f'--num-classes must be positive, got '
                     f'{args.num_classes}')
    args.configs = args.configs or [osp.join(REPO, c)
                                    for c in DEFAULT_CONFIGS]
    return args


def model_complexity(config: str, shape: Tuple[int, int],
                     num_classes: int, batch_size: int = 16,
                     iters: int = 0) -> dict:
    """Parameters, FLOPs and CPU speed of ``config``'s model.

    Args:
        config (str): Config file.
        shape (tuple[int, int]): Input height and width.
        num_classes (int): Training identities of the classifiers.
        batch_size (int): Images per timed batch. Defaults to 16.
        iters (int): Timed batches; 0 skips the timing. Defaults to 0.

    Returns:
        dict: ``params`` (int) and ``flops`` (int, one image), the numbers
        ``mmengine.analysis.get_model_complexity_info`` reports,
        ``uncounted`` (operator name -> calls, the operators counted as
        zero FLOPs) and ``images_per_s`` (float, None without timing).
    """
    import torch
    from mmengine.analysis import FlopAnalyzer, parameter_count

    from mmreid_dranet.apis import init_model

    # Flip off: one pass through the network per image.
    model = init_model(config, None, 'cpu',
                       cfg_options={'model.test_cfg.flip': False},
                       num_classes=num_classes)
    image = torch.randn(1, 3, *shape)
    # The classifiers are trained only: the inference trace never calls
    # them, which FlopAnalyzer would report as a warning per run.
    analyzer = FlopAnalyzer(model, image).unsupported_ops_warnings(
        False).uncalled_modules_warnings(False)
    return dict(params=int(parameter_count(model)['']),
                flops=int(analyzer.total()),
                uncounted=dict(analyzer.unsupported_ops()),
                images_per_s=images_per_second(model, shape, batch_size,
                                               iters) if iters else None)


def images_per_second(model, shape: Tuple[int, int], batch_size: int,
                      iters: int) -> float:
    """Embeddings per second of ``model`` (eval mode, no gradients) on
    batches of random images: one warm-up batch, then ``iters`` timed."""
    import torch
    model.eval()
    images = torch.randn(batch_size, 3, *shape)
    with torch.no_grad():
        model(images, mode='tensor')
        start = time.perf_counter()
        for _ in range(iters):
            model(images, mode='tensor')
        seconds = time.perf_counter() - start
    return batch_size * iters / seconds


def cpu_name() -> str:
    """The CPU model (``Model name`` of /proc/cpuinfo on Linux)."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown CPU'


def markdown_table(rows: Sequence[Tuple[str, Tuple[int, int], dict]]
                   ) -> List[str]:
    """Lines of a markdown table, one row per (config, shape, counts)."""
    lines = ['| config | input (H x W) | parameters | params (M) | '
             'FLOPs (G) | images/s (CPU) |',
             '| --- | --- | --- | --- | --- | --- |']
    for config, (height, width), counts in rows:
        name = osp.relpath(config, REPO) if osp.isabs(config) else config
        speed = counts.get('images_per_s')
        lines.append(f'| {name} | {height}x{width} | {counts["params"]} | '
                     f'{counts["params"] / 1e6:.2f} | '
                     f'{counts["flops"] / 1e9:.3f} | '
                     f'{"-" if speed is None else f"{speed:.1f}"} |')
    return lines


def main(argv=None) -> list:
    """Print the table; return its rows as (config, shape, counts)."""
    args = parse_args(argv)
    for config in args.configs:
        if not osp.isfile(config):
            sys.exit(f'get_flops: config file not found: {config!r}')
    rows = [(config, shape,
             model_complexity(config, shape, args.num_classes,
                              args.batch_size, args.iters))
            for config in args.configs for shape in args.shape]
    print('\n'.join(markdown_table(rows)))
    uncounted = sorted({op for _, _, counts in rows
                        for op in counts['uncounted']})
    print(f'\nParameters: the whole model, classifiers for '
          f'{args.num_classes} identities included. FLOPs: one image, '
          'inference embedding, flip off, one multiply-add = one FLOP; '
          f'counted as zero: {", ".join(uncounted) or "none"}.')
    if args.iters:
        import torch
        print(f'images/s: batches of {args.batch_size}, mean of '
              f'{args.iters} after a warm-up, eval mode, on {cpu_name()} '
              f'with {torch.get_num_threads()} threads.')
    return rows


if __name__ == '__main__':
    main()
