"""Train a re-ID model: ``python tools/train.py CONFIG [options]``.

Multi-GPU: ``bash tools/dist_train.sh CONFIG NUM_GPUS [options]``; on a
machine without CUDA the same command trains with the gloo backend on CPU.
``--epochs N`` trains N epochs with the config's schedule (warm-up, decays)
scaled to fit. The console shows progress and metrics; the full config goes
to the work dir's log (``--verbose`` prints everything).
"""
import argparse
import os
import os.path as osp
import sys

import torch

from mmreid_dranet.engine.schedule import scale_schedule
from mmreid_dranet.utils.checkpoint import (find_resume_checkpoint,
                                            finished_run_message)
from mmreid_dranet.utils.config import (add_common_arguments,
                                        apply_common_arguments, build_runner,
                                        load_config, set_work_dir)
from mmreid_dranet.utils.console import (known_warnings_filtered,
                                         user_errors_as_messages)
from mmreid_dranet.utils.distributed import release_process_group


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a re-ID model.')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='where logs and checkpoints go '
                        '(default: ./work_dirs/<config name>)')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint, or, with no value, from the '
        'latest checkpoint in the work dir')
    parser.add_argument(
        '--epochs', type=int, metavar='N',
        help='train N epochs, with the warm-up and the learning-rate decays '
        'of the config moved by the same ratio (N / train_cfg.max_epochs)')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision training (CUDA)')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate during training')
    parser.add_argument(
        '--auto-scale-lr', action='store_true',
        help='scale the learning rate linearly with the real total batch '
        'size (config `auto_scale_lr.base_batch_size` is the reference)')
    add_common_arguments(parser)
    return parser.parse_args(argv)


def merge_args(cfg, args):
    """Apply the command-line options to the config."""
    set_work_dir(cfg, args.config, args.work_dir)
    if args.epochs is not None:
        message = scale_schedule(cfg, args.epochs)
        if os.environ.get('RANK', '0') == '0':
            print(message)
    if args.amp:
        if not torch.cuda.is_available():
            raise ValueError('--amp needs a CUDA GPU (mmengine\'s '
                             'AmpOptimWrapper does not run on CPU).')
        if cfg.optim_wrapper.get('type', 'OptimWrapper') == 'AmpOptimWrapper':
            print('AMP is already enabled in the config.')
        else:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or \
                'base_batch_size' not in cfg.auto_scale_lr:
            raise ValueError(
                f'--auto-scale-lr needs `auto_scale_lr = dict('
                f'base_batch_size=...)` in the config {args.config!r}.')
        cfg.auto_scale_lr.enable = True
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
        checkpoint_hook = cfg.get('default_hooks', {}).get('checkpoint')
        if checkpoint_hook:
            checkpoint_hook.pop('save_best', None)
    config_auto_resume = args.resume is None and cfg.get(
        'resume') and not cfg.get('load_from')
    if args.resume == 'auto' or config_auto_resume:
        # The newest *complete* checkpoint (never a torn file); None starts
        # afresh, as mmengine does when the run saved nothing yet.
        cfg.resume = True
        cfg.load_from = find_resume_checkpoint(cfg.work_dir)
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise FileNotFoundError(
                f'--resume checkpoint not found: {args.resume!r}')
        cfg.resume = True
        cfg.load_from = args.resume
    # apply_common_arguments refuses a missing or torn load_from.
    return apply_common_arguments(cfg, args)


def finished_message(cfg):
    """The message for ``--resume`` of a run that has nothing left to
    train, else None."""
    if not (cfg.get('resume') and cfg.get('load_from')):
        return None
    return finished_run_message(cfg.load_from, cfg.train_cfg)


def main(argv=None):
    args = parse_args(argv)
    with known_warnings_filtered(not args.verbose):
        # A bad option or config value is the user's to fix: one message.
        with user_errors_as_messages(args.verbose, also=(ValueError, )):
            cfg = merge_args(load_config(args.config, args.cfg_options),
                             args)
        message = finished_message(cfg)
        if message:
            # Exit status 0: a requeued job of a finished run is not a
            # failure.
            print(message, file=sys.stderr)
            return
        with user_errors_as_messages(args.verbose):
            build_runner(cfg).train()
    release_process_group()


if __name__ == '__main__':
    main()
