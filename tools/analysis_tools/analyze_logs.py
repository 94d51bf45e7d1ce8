"""Training curves from mmengine's json logs, as one PNG.

    python tools/analysis_tools/analyze_logs.py LOG [LOG ...] \\
        [--out curves.png] [--keys loss acc_sic reid/mAP ...]

A LOG is a run's json log (``<work_dir>/<timestamp>/vis_data/scalars.json``
or ``<timestamp>.json``, one json object per line, as mmengine writes them)
or a work dir (its newest run's ``scalars.json``). Without ``--keys`` the
picture has three panels: the losses (``loss*``) and the training
accuracies (``acc*``) against the iteration, and the retrieval metrics
(mAP and R1 of every ``*/mAP`` and ``*/R1`` key) against the epoch.
The best value of each retrieval metric is printed.
"""
import argparse
import glob
import json
import os.path as osp
import sys
from typing import Dict, List, Sequence, Tuple

# A training line holds the learning rate; a validation (or test) line
# holds metric keys with a prefix, e.g. 'reid/mAP'.
TRAIN_MARKER = 'lr'
RETRIEVAL_SUFFIXES = ('/mAP', '/R1')


def find_log(path: str) -> str:
    """The json log of ``path``: the file itself, or the newest run's
    ``vis_data/scalars.json`` of a work dir."""
    if osp.isfile(path):
        return path
    runs = sorted(glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))
    if not runs:
        raise FileNotFoundError(
            f'no json log at {path!r}: expected a json file or a work dir '
            'with <timestamp>/vis_data/scalars.json')
    return runs[-1]


def load_json_log(path: str) -> Dict[str, List[dict]]:
    """The training and validation records of one json log.

    Args:
        path (str): A json log, one json object per line.

    Returns:
        dict: ``train`` (the records with a learning rate, keyed by
        ``iter`` / ``step``) and ``val`` (the records with metric keys,
        ``step`` = epoch), each in file order.
    """
    records = dict(train=[], val=[])
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f'{path}:{number}: not a json line '
                                 f'({error})') from error
            if TRAIN_MARKER in record:
                records['train'].append(record)
            elif any('/' in key for key in record):
                records['val'].append(record)
    if not records['train'] and not records['val']:
        raise ValueError(f'{path}: no training or validation record')
    return records


def series(records: Sequence[dict], key: str,
           x_key: str = 'step') -> Tuple[List[float], List[float]]:
    """The (x, y) values of ``key`` in the records that hold it."""
    pairs = [(record[x_key], record[key]) for record in records
             if key in record and x_key in record]
    return [x for x, _ in pairs], [y for _, y in pairs]


def default_panels(records: Dict[str, List[dict]]
                   ) -> List[Tuple[str, str, List[str]]]:
    """(title, record kind, keys) of the default panels, empty ones left
    out."""
    train_keys = sorted({k for r in records['train'] for k in r})
    val_keys = sorted({k for r in records['val'] for k in r})
    panels = [
        ('loss', 'train', [k for k in train_keys if k.startswith('loss')]),
        ('training accuracy (%)', 'train',
         [k for k in train_keys if k.startswith('acc')]),
        ('retrieval (%)', 'val',
         [k for k in val_keys if k.endswith(RETRIEVAL_SUFFIXES)]),
    ]
    return [panel for panel in panels if panel[2]]


def chosen_panels(records: Dict[str, List[dict]], keys: Sequence[str],
                  path: str) -> List[Tuple[str, str, List[str]]]:
    """One panel per key of ``--keys``; a key the log lacks is an error
    naming the log and its keys."""
    panels = []
    for key in keys:
        kind = next((kind for kind in ('train', 'val')
                     if any(key in r for r in records[kind])), None)
        if kind is None:
            known = sorted({k for rs in records.values() for r in rs
                            for k in r})
            raise ValueError(f'{path} has no key {key!r}; its keys: {known}')
        panels.append((key, kind, [key]))
    return panels


def plot_curves(logs: Dict[str, Dict[str, List[dict]]],
                panels: Sequence[Tuple[str, str, List[str]]],
                out_file: str) -> None:
    """Draw one panel per (title, kind, keys), one line per log and key.

    Args:
        logs (dict): Log name -> records of :func:`load_json_log`.
        panels (list): (title, 'train' or 'val', keys).
        out_file (str): The PNG to write.
    """
    # The Agg canvas directly: no pyplot, no change of matplotlib's
    # global backend.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6 * len(panels), 4.5), dpi=100)
    FigureCanvasAgg(figure)
    for position, (title, kind, keys) in enumerate(panels, 1):
        axes = figure.add_subplot(1, len(panels), position)
        for name, records in logs.items():
            for key in keys:
                xs, ys = series(records[kind], key)
                label = key if len(logs) == 1 else f'{name}: {key}'
                axes.plot(xs, ys, marker='o' if kind == 'val' else None,
                          markersize=3, label=label)
        axes.set_title(title)
        axes.set_xlabel('iteration' if kind == 'train' else 'epoch')
        axes.grid(alpha=0.3)
        axes.legend(fontsize='small')
    figure.tight_layout()
    figure.savefig(out_file)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('logs', nargs='+',
                        help='json logs or work dirs (newest run)')
    parser.add_argument('--keys', nargs='+',
                        help='keys to plot, one panel each (default: '
                        'losses, accuracies, mAP and R1)')
    parser.add_argument('--legend', nargs='+',
                        help='one name per log (default: the run folder)')
    parser.add_argument('--out', default='curves.png',
                        help='PNG to write (default: curves.png)')
    args = parser.parse_args(argv)
    if args.legend is not None and len(args.legend) != len(args.logs):
        parser.error(f'--legend takes one name per log: {len(args.logs)} '
                     f'logs, {len(args.legend)} names')
    return args


def run_name(path: str) -> str:
    """``<timestamp>`` of ``<work_dir>/<timestamp>/vis_data/x.json``."""
    folder = osp.dirname(osp.abspath(path))
    if osp.basename(folder) == 'vis_data':
        folder = osp.dirname(folder)
    return osp.basename(folder)


def main(argv=None) -> Dict[str, Dict[str, List[dict]]]:
    """Write the PNG, print the best retrieval metrics; return the logs'
    records by name."""
    args = parse_args(argv)
    logs = {}
    try:
        paths = [find_log(path) for path in args.logs]
        names = args.legend or [run_name(path) for path in paths]
        for name, path in zip(names, paths):
            logs[name] = load_json_log(path)
        panels = (chosen_panels(logs[names[0]], args.keys, paths[0])
                  if args.keys else default_panels(logs[names[0]]))
    except (FileNotFoundError, KeyError, ValueError) as error:
        sys.exit(f'analyze_logs: {error}')
    if not panels:
        sys.exit(f'analyze_logs: {paths[0]} has no loss, accuracy or '
                 'retrieval metric to plot; name keys with --keys')
    plot_curves(logs, panels, args.out)
    for name, records in logs.items():
        keys = sorted({k for r in records['val'] for k in r
                       if k.endswith(RETRIEVAL_SUFFIXES)})
        for key in keys:
            epochs, values = series(records['val'], key)
            best = max(range(len(values)), key=values.__getitem__)
            print(f'{name}: best {key} {values[best]:.2f} at epoch '
                  f'{epochs[best]}')
    print(f'Curves: {args.out}')
    return logs


if __name__ == '__main__':
    main()
