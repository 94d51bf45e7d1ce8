"""Cost of FiniteLossHook per training step: the step with and without it.

Each step is what mmengine's train loop does per iteration: ``train_step``
(forward, backward, optimiser step), then RuntimeInfoHook's logging of the
loss values (the ``.item()`` calls mmengine makes anyway: on a GPU the one
host-device synchronisation of a step); the checked variant then runs
``FiniteLossHook.after_train_iter`` on those logged floats. The two variants
alternate step by step (same load on both); the table gives the medians,
their ratio, and the hook's own time alone (median of 10000 calls).

    python benchmarks/bench_finite_loss.py            # demo DRANet, CPU
    python benchmarks/bench_finite_loss.py --quick
    python benchmarks/bench_finite_loss.py --device cuda --batch-size 64 \
        --height 384 --width 128 --config configs/dranet/dranet_r50_market.py
"""
import argparse
import os
import os.path as osp
import statistics
import sys
import time

import torch
from mmengine.logging import MessageHub, MMLogger
from mmengine.optim import OptimWrapper
from mmpretrain.structures import DataSample

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO_CONFIG = osp.join(REPO, 'configs/dranet/dranet_demo_synthetic.py')


def build_model(config, num_classes, device):
    """The config's model with ``num_classes`` identities and no download
    of pretrained weights, on ``device``."""
    from mmengine.registry import DefaultScope

    from mmreid_dranet.registry import MODELS, SCOPE
    from mmreid_dranet.utils import load_config
    model_cfg = load_config(config).model
    model_cfg.num_classes = num_classes
    model_cfg.backbone.init_cfg = None
    with DefaultScope.overwrite_default_scope(SCOPE):
        model = MODELS.build(model_cfg)
    model.init_weights()
    return model.to(device).train()


def fake_batch(model, batch_size, height, width, num_classes, device):
    """A preprocessed batch on ``device`` (uint8 images through the model's
    data preprocessor once; the timed steps start from the result)."""
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (batch_size, 3, height, width),
                           dtype=torch.uint8, generator=generator)
    samples = [DataSample().set_gt_label(i % num_classes)
               for i in range(batch_size)]
    data = dict(inputs=list(images.to(device)), data_samples=samples)
    return model.data_preprocessor(data, True)


def make_step(model, data, optim_wrapper, synchronize):
    """One training iteration of mmengine's loop, from a preprocessed batch;
    returns the log vars (tensors, as ``train_step`` returns them)."""

    def step():
        with optim_wrapper.optim_context(model):
            losses = model(**data, mode='loss')
        loss, log_vars = model.parse_losses(losses)
        optim_wrapper.update_params(loss)
        synchronize()
        return log_vars

    return step


class _LoopState:
    """The part of a runner FiniteLossHook reads."""

    def __init__(self, message_hub):
        self.message_hub, self.iter, self.epoch = message_hub, 0, 0


def checked_and_unchecked(step, warmup, repeats):
    """Median seconds per iteration without and with FiniteLossHook, run in
    turns; and the hook's own median seconds per call."""
    from mmreid_dranet.engine.hooks import FiniteLossHook
    hub = MessageHub.get_instance('bench_finite_loss')
    runner, hook = _LoopState(hub), FiniteLossHook()

    def iteration(check):
        log_vars = step()
        for key, value in log_vars.items():  # RuntimeInfoHook's logging
            hub.update_scalar(f'train/{key}', value)
        if check:
            hook.after_train_iter(runner, 0, outputs=log_vars)
        return log_vars

    for _ in range(warmup):
        iteration(True)
    times = ([], [])
    for _ in range(repeats):
        for check in (False, True):
            start = time.perf_counter()
            log_vars = iteration(check)
            times[check].append(time.perf_counter() - start)
    calls = []
    for _ in range(10000):
        start = time.perf_counter()
        hook.after_train_iter(runner, 0, outputs=log_vars)
        calls.append(time.perf_counter() - start)
    return (statistics.median(times[False]), statistics.median(times[True]),
            statistics.median(calls))


def finite_check_rows(step, warmup, repeats, label):
    """Markdown rows of :func:`checked_and_unchecked`."""
    off, on, alone = checked_and_unchecked(step, warmup, repeats)
    return [
        f'| {label}: step without the check | {off * 1e3:.2f} ms | |',
        f'| {label}: step with FiniteLossHook | {on * 1e3:.2f} ms '
        f'| {on / off:.3f} x without |',
        f'| {label}: the hook alone (per call) | {alone * 1e6:.1f} us '
        f'| {alone / off * 100:.4f} % of a step |',
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default=DEMO_CONFIG)
    parser.add_argument('--num-classes', type=int, default=751)
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--height', type=int, default=128)
    parser.add_argument('--width', type=int, default=64)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=30)
    parser.add_argument('--quick', action='store_true',
                        help='5 timed steps of each variant')
    args = parser.parse_args()
    if args.quick:
        args.repeats = 5
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    MMLogger.get_instance('mmengine', log_level='ERROR')
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        sys.exit('bench_finite_loss: no CUDA device; use --device cpu.')
    synchronize = (torch.cuda.synchronize if args.device.startswith('cuda')
                   else (lambda: None))
    model = build_model(args.config, args.num_classes, args.device)
    data = fake_batch(model, args.batch_size, args.height, args.width,
                      args.num_classes, args.device)
    optim_wrapper = OptimWrapper(
        torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9))
    step = make_step(model, data, optim_wrapper, synchronize)
    print(f'\n{osp.relpath(args.config, REPO)}, batch {args.batch_size}, '
          f'{args.height}x{args.width}, {args.device} ({args.threads} '
          f'threads), medians of {args.repeats} alternating steps; load '
          f'average (1 min): {os.getloadavg()[0]:.1f}\n')
    print('| measurement | time | ratio |')
    print('| --- | ---: | ---: |')
    for row in finite_check_rows(step, 3, args.repeats, 'train'):
        print(row)


if __name__ == '__main__':
    main()
