"""Check a config's data before training: one table, problems named.

    python tools/misc/check_dataset.py CONFIG [--data-root PATH] [--no-decode]

For the train, query and gallery parts of the config's data: images,
identities, cameras, images per identity (min / median / max), files that
cannot be decoded, file names that do not parse, and the queries without a
true match in the gallery (same identity, another camera: the protocol
leaves them out); a warning when query and gallery have one camera (the
protocol cannot remove same-camera matches). Exits with status 1 when
something would stop training or evaluation (a part that cannot be read,
an undecodable file, a name that does not parse, fewer identities than a
training batch holds, no query with a match), 0 otherwise.
"""
import argparse
import copy
import sys
from typing import List, Optional

import numpy as np
from mmengine.registry import DefaultScope

from mmreid_dranet.datasets.camera_ids import one_camera_warning, single_camera
from mmreid_dranet.datasets.image_integrity import check_image_file
from mmreid_dranet.registry import DATASETS
from mmreid_dranet.utils import load_config, set_data_root

SHOWN = 5  # problem files listed per kind


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('--data-root', help='use this data folder instead '
                        "of the config's")
    parser.add_argument('--no-decode', action='store_true',
                        help='skip decoding every image (faster)')
    return parser.parse_args(argv)


def with_options(dataset_cfg: dict, **options) -> dict:
    """A copy of a dataset config (joined data sets included) with
    ``options`` set on every real data set and no pipeline."""
    cfg = copy.deepcopy(dataset_cfg)
    cfg['pipeline'] = []
    if 'datasets' in cfg:
        cfg['datasets'] = [with_options(d, **options)
                           for d in cfg['datasets']]
    else:
        cfg.update(options)
    return cfg


def bad_names_of(dataset) -> List[str]:
    names = list(getattr(dataset, 'bad_names', []))
    for part in getattr(dataset, 'datasets', []):
        names += bad_names_of(part)
    return names


class PartReport:
    """What was found in one part (train, query or gallery)."""

    def __init__(self, name: str):
        self.name = name
        self.infos: List[dict] = []
        self.errors: List[str] = []  # stop training or evaluation
        self.warnings: List[str] = []  # numbers to distrust
        self.notes: List[str] = []  # worth knowing, stop nothing
        self.cameras_known = True

    def row(self) -> str:
        if not self.infos:
            return f'| {self.name} | ' + ' | '.join(['-'] * 6) + ' |'
        pids = [d['pid'] for d in self.infos]
        _, per_id = np.unique(pids, return_counts=True)
        cams = len({d['camid'] for d in self.infos})
        return (f'| {self.name} | {len(self.infos)} | {len(per_id)} | '
                f'{cams} | {per_id.min()} / {np.median(per_id):g} / '
                f'{per_id.max()} | {len(self.errors)} | {len(self.notes)} |')


def read_part(name: str, dataset_cfg: dict, decode: bool) -> PartReport:
    report = PartReport(name)
    try:
        dataset = DATASETS.build(with_options(dataset_cfg,
                                              on_bad_name='collect'))
    except (OSError, ValueError, KeyError) as error:
        report.errors.append(f'cannot be read: {error}')
        return report
    report.infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    report.cameras_known = dataset.metainfo.get('cameras_known', True)
    bad = bad_names_of(dataset)
    report.errors += [f'name does not parse: {m}' for m in bad[:SHOWN]]
    if len(bad) > SHOWN:
        report.errors.append(f'... {len(bad) - SHOWN} more unparsable names')
    if decode:
        broken = [m for m in (check_image_file(d['img_path'])
                              for d in report.infos) if m]
        report.errors += broken[:SHOWN]
        if len(broken) > SHOWN:
            report.errors.append(f'... {len(broken) - SHOWN} more corrupt '
                                 'images')
    return report


def check_training(report: PartReport, loader_cfg: dict) -> None:
    sampler = loader_cfg.get('sampler') or {}
    num_ids = len({d['pid'] for d in report.infos})
    if report.infos and num_ids < sampler.get('num_ids', 2):
        report.errors.append(
            f'{num_ids} identities, fewer than the '
            f"{sampler.get('num_ids', 2)} of a training batch "
            '(train_dataloader.sampler.num_ids)')


def check_matches(query: PartReport, gallery: PartReport) -> None:
    seen = {}
    for info in gallery.infos:
        seen.setdefault(info['pid'], set()).add(info['camid'])
    unmatched = [q for q in query.infos
                 if not seen.get(q['pid'], set()) - {q['camid']}]
    if not unmatched:
        return
    listing = ', '.join(q['img_path'] for q in unmatched[:SHOWN])
    message = (f'{len(unmatched)} of {len(query.infos)} queries have no '
               'true match in the gallery (same identity, another camera) '
               f'and are left out of the metrics: {listing}')
    if len(unmatched) == len(query.infos):
        query.errors.append(message + '; nothing would be evaluated')
    else:
        query.notes.append(message)


def check_cameras(query: PartReport, gallery: PartReport) -> None:
    if not query.infos or not gallery.infos:
        return
    known = query.cameras_known and gallery.cameras_known
    if single_camera([q['camid'] for q in query.infos],
                     [g['camid'] for g in gallery.infos], known):
        gallery.warnings.append(one_camera_warning(known))


def evaluation_loader(cfg) -> Optional[dict]:
    for key in ('test_dataloader', 'val_dataloader'):
        if cfg.get(key):
            return cfg[key]
    return None


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        cfg = load_config(args.config)
        if args.data_root is not None:
            set_data_root(cfg, args.data_root)
    except (FileNotFoundError, ValueError) as error:
        print(f'check_dataset: {error}', file=sys.stderr)
        return 1
    decode = not args.no_decode
    reports = []
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 'mmreid_dranet')):
        if cfg.get('train_dataloader'):
            train = read_part('train', cfg.train_dataloader.dataset, decode)
            check_training(train, cfg.train_dataloader)
            reports.append(train)
        loader = evaluation_loader(cfg)
        if loader:
            query, gallery = (read_part(
                part, dict(loader.dataset, split=part), decode)
                              for part in ('query', 'gallery'))
            check_matches(query, gallery)
            check_cameras(query, gallery)
            reports += [query, gallery]
    print('| part | images | identities | cameras | images per identity '
          '(min / median / max) | errors | notes |')
    print('| --- |' + ' ---: |' * 6)
    for report in reports:
        print(report.row())
    failed = False
    for report in reports:
        for kind, messages in (('ERROR', report.errors),
                               ('WARNING', report.warnings),
                               ('note', report.notes)):
            for message in messages:
                print(f'{kind} [{report.name}] {message}')
        failed = failed or bool(report.errors)
    print('\nSomething above would stop training or evaluation.' if failed
          else '\nNothing found that would stop training or evaluation.')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
