"""Save a grid of samples as the model sees them: after the pipeline,
labelled with pid and camera (and Q/G for query/gallery).

Example::

    python tools/visualization/browse_dataset.py \\
        configs/_base_/datasets/market1501.py --split train --num 32 \\
        --output browse_train.png

The train grid follows the config's sampler (P x K blocks show up as runs
of the same pid); the test grid takes samples spread over query and gallery.
"""
import argparse
import sys

import numpy as np
import torch
from mmengine.registry import DefaultScope

from mmreid_dranet.registry import DATA_SAMPLERS, DATASETS
from mmreid_dranet.utils import load_config, set_data_root
from mmreid_dranet.visualization import ReIDVisualizer


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('--split', choices=('train', 'test'), default='train')
    parser.add_argument('--output', help='PNG file (default: '
                        'browse_<split>.png)')
    parser.add_argument('--num', type=int, default=32,
                        help='number of samples')
    parser.add_argument('--cols', type=int, default=8, help='grid columns')
    parser.add_argument('--data-root', help='use this data folder instead '
                        "of the config's")
    return parser.parse_args(argv)


def to_image(inputs: torch.Tensor) -> np.ndarray:
    """C x H x W tensor -> H x W x 3 uint8 (BGR, as the pipeline keeps it).

    A float tensor (a pipeline that normalises) is stretched to 0..255.
    """
    img = inputs.detach().cpu().numpy().transpose(1, 2, 0)
    if img.dtype != np.uint8:
        img = img.astype(np.float32)
        img = (img - img.min()) / max(float(img.max() - img.min()), 1e-6)
        img = (img * 255).round().astype(np.uint8)
    if img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    return np.ascontiguousarray(img)


def label_of(sample) -> str:
    text = f'{sample.pid} c{sample.camid + 1}'
    if 'is_query' in sample:
        text += ' Q' if sample.is_query else ' G'
    return text


def pick_indices(loader_cfg, dataset, num):
    if loader_cfg.get('sampler', {}).get('type') == \
            'IdentityBalancedSampler':
        sampler = DATA_SAMPLERS.build(
            loader_cfg.sampler, default_args=dict(dataset=dataset, seed=0))
        return list(sampler)[:num]
    count = min(num, len(dataset))
    return np.linspace(0, len(dataset) - 1, count).round().astype(int)


def main(argv=None):
    args = parse_args(argv)
    try:
        cfg = load_config(args.config)
        if args.data_root is not None:
            set_data_root(cfg, args.data_root)
    except FileNotFoundError as error:
        sys.exit(f'browse_dataset: {error}')
    loader_cfg = cfg[f'{args.split}_dataloader']
    scope = cfg.get('default_scope', 'mmreid_dranet')
    with DefaultScope.overwrite_default_scope(scope):
        try:
            dataset = DATASETS.build(loader_cfg.dataset)
        except (FileNotFoundError, ValueError) as error:
            sys.exit(f'browse_dataset: {error}')
        indices = pick_indices(loader_cfg, dataset, args.num)
        samples = [dataset[int(i)] for i in indices]
    tiles = [to_image(s['inputs']) for s in samples]
    labels = [label_of(s['data_samples']) for s in samples]
    output = args.output or f'browse_{args.split}.png'
    visualizer = ReIDVisualizer.get_instance('browse_dataset')
    try:
        visualizer.visualize_grid(tiles, labels, args.cols, out_file=output)
    except OSError as error:
        sys.exit(f'browse_dataset: {error}')
    print(f'Wrote {len(tiles)} samples of {dataset.metainfo["dataset_name"]} '
          f'({args.split}) to {output}')


if __name__ == '__main__':
    main()
