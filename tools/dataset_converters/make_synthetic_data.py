"""Write a synthetic re-ID data set in the Market-1501 layout.

Example::

    python tools/dataset_converters/make_synthetic_data.py \\
        data/synthetic_market --num-train-ids 64 --num-test-ids 50 \\
        --num-cams 6 --seed 0

The folder then loads like Market-1501 (``Market1501(data_root=...)``, or
any Market config with ``--data-root``).
"""
import argparse
import dataclasses
import sys
import time

from mmreid_dranet.datasets.synthetic import (SyntheticReIDConfig,
                                              make_synthetic_market)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Write a synthetic data set in the Market-1501 layout.')
    parser.add_argument('out_dir', help='output folder')
    for field in dataclasses.fields(SyntheticReIDConfig):
        option = '--' + field.name.replace('_', '-')
        if isinstance(field.default, tuple):
            parser.add_argument(option, type=int, nargs=2,
                                metavar=('MIN', 'MAX'),
                                default=field.default,
                                help=f'default: {field.default}')
        else:
            parser.add_argument(option, type=type(field.default),
                                default=field.default,
                                help=f'default: {field.default}')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    settings = {
        field.name: (tuple(getattr(args, field.name)) if isinstance(
            field.default, tuple) else getattr(args, field.name))
        for field in dataclasses.fields(SyntheticReIDConfig)
    }
    start = time.perf_counter()
    try:
        counts = make_synthetic_market(args.out_dir, **settings)
    except ValueError as error:
        sys.exit(f'make_synthetic_data: {error}')
    seconds = time.perf_counter() - start
    print(f'Wrote {sum(counts.values())} images to {args.out_dir} in '
          f'{seconds:.1f} s: {counts["train"]} in bounding_box_train, '
          f'{counts["query"]} in query, {counts["gallery"]} in '
          'bounding_box_test (with distractors and junk).')


if __name__ == '__main__':
    main()
