"""Evaluate a trained re-ID model: ``python tools/test.py CONFIG CHECKPOINT``.

Prints R1/R5/R10/mAP/mINP on the config's query + gallery data. ``--out``
saves the embeddings (npz) for offline re-evaluation or re-ranking with
``tools/analysis_tools/eval_features.py``; ``--show-dir`` writes ranked-list
pictures (drawn by the config's ReIDVisualizer, switched on through the
ReIDVisualizationHook). The console shows progress and metrics; the full
config goes to the work dir's log (``--verbose`` prints everything).
"""
import argparse

from mmreid_dranet.engine.num_classes import resolve_num_classes
from mmreid_dranet.utils.config import (add_common_arguments,
                                        apply_common_arguments, build_runner,
                                        load_config, set_work_dir)
from mmreid_dranet.utils.console import (known_warnings_filtered,
                                         user_errors_as_messages)
from mmreid_dranet.utils.distributed import release_process_group
from mmreid_dranet.utils.provenance import EmbeddingProvenance


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test a re-ID model.')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where logs go (default: '
                        './work_dirs/<config name>)')
    parser.add_argument('--out', help='save query/gallery embeddings, pids, '
                        'camera ids and paths to this .npz file')
    parser.add_argument('--show-dir', help='write ranked-list pictures of '
                        'the worst and best queries to this folder')
    parser.add_argument('--show-topk', type=int, default=10,
                        help='gallery images per ranked-list picture')
    parser.add_argument('--flip-test', action='store_true',
                        help='average the embeddings of each image and '
                        'its mirror')
    parser.add_argument('--rerank', action='store_true',
                        help='k-reciprocal re-ranking before the ranking')
    add_common_arguments(parser)
    return parser.parse_args(argv)


def merge_args(cfg, args):
    """Apply the command-line options to the config."""
    if args.out is not None and not args.out.endswith('.npz'):
        raise ValueError(f'--out must name a .npz file, got {args.out!r}')
    set_work_dir(cfg, args.config, args.work_dir)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    # The classifiers must match the checkpoint, whatever training data (if
    # any) is on this machine. Reading it also refuses a missing or torn
    # file by name.
    cfg.model.num_classes = resolve_num_classes(
        cfg, args.checkpoint, read_run_sources=False)
    if args.flip_test:
        cfg.model.setdefault('test_cfg', {})['flip'] = True

    evaluators = cfg.test_evaluator
    if isinstance(evaluators, dict):
        evaluators = [evaluators]
    reid_metrics = [e for e in evaluators if 'ReIDMetric' in e.get('type')]
    if (args.out or args.show_dir or args.rerank) and not reid_metrics:
        raise ValueError('--out, --show-dir and --rerank need a ReIDMetric '
                         'in test_evaluator.')
    for metric in reid_metrics:
        if args.rerank:
            metric['rerank'] = True
    if args.out:
        # The embeddings as the (first) ReIDMetric evaluates them, with
        # what they depend on (for thresholds and stores made from them).
        normalize = reid_metrics[0].get('normalize_features', False)
        provenance = EmbeddingProvenance.from_config(cfg, args.checkpoint,
                                                     normalize)
        cfg.test_evaluator = list(evaluators) + [
            dict(type='DumpReIDEmbeddings', out_file=args.out,
                 normalize_features=normalize,
                 provenance=provenance.to_dict())
        ]
    if args.show_dir:
        show_ranked_lists(cfg, args.show_dir, args.show_topk)
    return apply_common_arguments(cfg, args)


def show_ranked_lists(cfg, show_dir: str, topk: int) -> None:
    """Turn on the ReIDVisualizationHook (added when the config has none)
    so that the visualizer writes the test's ranked lists to ``show_dir``."""
    hooks = cfg.setdefault('default_hooks', {})
    hook = hooks.get('visualization') or {}
    if 'ReIDVisualizationHook' not in str(hook.get('type', '')):
        hook = dict(type='ReIDVisualizationHook')
    hook.update(enable=True, out_dir=show_dir, topk=topk)
    hooks['visualization'] = hook
    if 'ReIDVisualizer' not in str((cfg.get('visualizer') or {}).get(
            'type', '')):
        cfg.visualizer = dict(type='ReIDVisualizer',
                              vis_backends=[dict(type='LocalVisBackend')])


def main(argv=None):
    args = parse_args(argv)
    with known_warnings_filtered(not args.verbose):
        # A bad option or config value is the user's to fix: one message.
        with user_errors_as_messages(args.verbose, also=(ValueError, )):
            cfg = merge_args(load_config(args.config, args.cfg_options),
                             args)
        with user_errors_as_messages(args.verbose):
            build_runner(cfg).test()
    release_process_group()


if __name__ == '__main__':
    main()
