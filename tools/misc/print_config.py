"""Print a config fully resolved: its bases merged, overrides applied.

    python tools/misc/print_config.py CONFIG [--data-root PATH] \\
        [--cfg-options KEY=VALUE ...]

The printed text is itself a config file (Python syntax) that gives the same
run as ``CONFIG`` with the same options.
"""
import argparse
import sys

from mmengine.config import DictAction

from mmreid_dranet.utils import load_config, set_data_root


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('--data-root', help='point every dataset of the '
                        'config at this folder, as tools/train.py does')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. train_cfg.max_epochs=30')
    return parser.parse_args(argv)


def resolved_text(config: str, cfg_options=None, data_root=None) -> str:
    """The resolved config ``config`` as Python text.

    Args:
        config (str): The config file.
        cfg_options (dict, optional): Overrides, as ``--cfg-options``.
        data_root (str, optional): Data folder, as ``--data-root``.

    Returns:
        str: The config text (``Config.pretty_text``).
    """
    cfg = load_config(config, cfg_options)
    if data_root is not None:
        set_data_root(cfg, data_root)
    return cfg.pretty_text


def main(argv=None):
    args = parse_args(argv)
    try:
        text = resolved_text(args.config, args.cfg_options, args.data_root)
    except (FileNotFoundError, KeyError, ValueError) as error:
        sys.exit(f'print_config: {error}')
    print(text)


if __name__ == '__main__':
    main()
