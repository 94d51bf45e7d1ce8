"""Draw what DRANet attends to, and what it erases, for some images.

    python tools/visualization/vis_attention.py \\
        configs/dranet/dranet_demo_synthetic.py \\
        work_dirs/dranet_demo_synthetic/epoch_24.pth \\
        data/synthetic_market/bounding_box_test/0065_c1s1_001850_00.jpg \\
        --out-dir work_dirs/attention

One ``<image>_attention.png`` per image (files or folders): the input as the
model sees it; per part stripe the SIC activation (mean of S over its
channels), the identity map H_n of the predicted identity and the image
under the RSAM mask (1 - H_n) ** alpha_s (dark: what RSAM erases to make
its spatial hard example); the same for the true identity when it is known
and not the predicted one; and the CIC channel mask m of each part sorted,
the channels RCAM suppresses most (largest m) in red.

The true identity is a training label, known for an image of the training
split (by path), for a file named in the Market-1501 way (``0002_c1...``)
whose person is a training identity, or from ``--labels`` (lines
``<file name or path> <training label>``). Test identities were never
trained on, so a gallery image has only its predicted identity.
"""
import argparse
import os.path as osp
import re
import sys
from typing import Dict, List, Optional, Tuple

from mmengine.dataset import pseudo_collate

NAME_PID = re.compile(r'^(?P<pid>-?\d+)_c\d+')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file of the model')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('images', nargs='+', help='image files or folders')
    parser.add_argument('--out-dir', required=True, help='folder for PNGs')
    parser.add_argument('--labels', help='file of "<image> <training label>" '
                        'lines giving true identities')
    parser.add_argument('--data-root', help="the training split's data "
                        "folder, if not the config's")
    parser.add_argument('--no-train-split', action='store_true',
                        help="do not read the config's training split to "
                        'find true identities')
    parser.add_argument('--top-channels', type=int, default=5,
                        help='channels marked as suppressed most by RCAM')
    parser.add_argument('--tile-height', type=int, default=256,
                        help='height of each image tile in pixels')
    parser.add_argument('--device', default='cpu', help="e.g. 'cuda:0'")
    parser.add_argument('--batch-size', type=int, default=16)
    return parser.parse_args(argv)


def read_label_file(path: str) -> Dict[str, int]:
    """``<file name or path> <label>`` lines -> {name or path: label}."""
    labels = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            parts = line.rsplit(maxsplit=1)
            if len(parts) != 2 or not parts[1].lstrip('-').isdigit():
                raise ValueError(f'{path}:{number}: expected "<image> '
                                 f'<training label>", got {line.strip()!r}')
            labels[parts[0].strip()] = int(parts[1])
    return labels


def training_labels(cfg) -> Tuple[Dict[str, int], Dict[int, int]]:
    """{image path: label} and {pid: label} of the config's training split."""
    from mmengine.registry import DefaultScope

    from mmreid_dranet.registry import DATASETS
    dataset_cfg = dict(cfg.train_dataloader.dataset, pipeline=[])
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 'mmreid_dranet')):
        dataset = DATASETS.build(dataset_cfg)
    by_path, by_pid = {}, {}
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        by_path[osp.abspath(info['img_path'])] = int(info['gt_label'])
        by_pid[int(info['pid'])] = int(info['gt_label'])
    return by_path, by_pid


def true_labels(paths: List[str], args, cfg,
                num_classes: Optional[int]) -> Tuple[list, list]:
    """The training label of each image (None: unknown) and why not."""
    given = read_label_file(args.labels) if args.labels else {}
    by_path, by_pid, split_note = {}, {}, None
    if not args.no_train_split and not given:
        try:
            by_path, by_pid = training_labels(cfg)
        except (FileNotFoundError, ValueError, KeyError) as error:
            split_note = f'training split not readable ({error})'
    labels, notes = [], []
    for path in paths:
        label, note = given.get(path, given.get(osp.basename(path))), None
        if label is None and osp.abspath(path) in by_path:
            label = by_path[osp.abspath(path)]
        match = NAME_PID.match(osp.basename(path))
        if label is None and match and by_pid:
            label = by_pid.get(int(match.group('pid')))
            if label is None:
                note = (f'person {match.group("pid")} is not a training '
                        'identity: it has no class map of its own')
        if label is None and note is None:
            note = split_note or 'true identity unknown'
        if label is not None and num_classes is not None and \
                not 0 <= label < num_classes:
            raise ValueError(f'{path}: label {label} is outside the model\'s '
                             f'{num_classes} training identities')
        labels.append(label)
        notes.append(note)
    return labels, notes


def main(argv=None) -> List[str]:
    """Write the pictures; returns their paths."""
    args = parse_args(argv)
    from mmreid_dranet.apis import ReIDInferencer
    from mmreid_dranet.apis.inputs import inputs_to_list
    from mmreid_dranet.utils import load_config, set_data_root
    from mmreid_dranet.visualization import (ReIDVisualizer, dra_attention,
                                             file_stem)
    try:
        cfg = load_config(args.config)
        if args.data_root is not None:
            set_data_root(cfg, args.data_root)
        inferencer = ReIDInferencer(cfg, args.checkpoint, device=args.device)
        paths = inputs_to_list(args.images)
    except (FileNotFoundError, ValueError, KeyError) as error:
        sys.exit(f'vis_attention: {error}')
    model = inferencer.model
    neck = getattr(model, 'neck', None)
    if type(neck).__name__ != 'DRANeck':
        sys.exit(f'vis_attention: the model of {args.config} has a '
                 f'{type(neck).__name__} neck; attention pictures need a '
                 'DRANeck')
    if neck.num_classes is None:
        print('vis_attention: this neck was built without identity maps '
              '(num_classes=None): only the SIC activation and the CIC '
              'channel masks are drawn; no identity prediction, H_n or '
              'RSAM mask exists.')
        labels, notes = [None] * len(paths), [None] * len(paths)
    else:
        labels, notes = true_labels(paths, args, model._config,
                                    neck.num_classes)
    visualizer = ReIDVisualizer.get_instance(
        'vis_attention', attention_layout=dict(tile_height=args.tile_height))
    written = []
    for start in range(0, len(paths), args.batch_size):
        batch = paths[start:start + args.batch_size]
        packed = [inferencer.pipeline.from_file(p) for p in batch]
        data = model.data_preprocessor(pseudo_collate(packed), False)
        attentions = dra_attention(model, data['inputs'],
                                   labels[start:start + len(batch)])
        for path, sample, attention, note in zip(
                batch, packed, attentions, notes[start:start + len(batch)]):
            if note:
                attention.notes.append(note)
            # What the model saw, before the preprocessor: BGR uint8.
            image = sample['inputs'].permute(1, 2, 0).numpy()
            out_file = osp.join(args.out_dir,
                                f'{file_stem(path)}_attention.png')
            visualizer.visualize_attention(
                image, attention, title=osp.basename(path),
                top_channels=args.top_channels, out_file=out_file)
            written.append(out_file)
    print(f'Wrote {len(written)} attention pictures to {args.out_dir}')
    return written


if __name__ == '__main__':
    main()
