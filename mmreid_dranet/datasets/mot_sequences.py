"""MOTChallenge sequences as re-ID training data (the library of
``tools/dataset_converters/mot2reid.py``).

A MOTChallenge sequence is a folder ``SEQ/`` with ``seqinfo.ini``, the
frames ``SEQ/img1/000001.jpg`` ... and the labels ``SEQ/gt/gt.txt``, one box
a line: ``frame, track id, x, y, w, h, flag, class, visibility`` (MOT16,
MOT17, MOT20; x and y are 1-based pixels, flag 0 = ignore the box, class 1
= pedestrian, visibility in [0, 1]). A file with only the first six columns
is read as considered, pedestrian and fully visible boxes.

The re-ID set written is the folder form :class:`CustomReIDDataset` reads:
``train/``, ``query/``, ``gallery/``, one folder per identity named
``<sequence>_<track id>``, the camera id in the file name
(``MOT17-02_7_c2s1_000451_00.jpg``: camera 2, frame 451; the Market-1501
form, read by ``camera_pattern='auto'``).

Pseudo-cameras. A sequence is filmed by one camera, and the evaluation
protocol drops every gallery image of the query's identity *and camera*
(near-duplicate frames of one camera are no re-identification): with one
camera per sequence no query would have a true match. ``camera_mode``
chooses what stands in for cameras:

- ``'time-window'`` (default): each track, in time order, is cut into
  ``windows`` consecutive pieces of (nearly) equal size, and piece k is
  camera k + 1. A query (the middle crop of one piece) is then matched
  against the other pieces of its own track, later or earlier in time: the
  person after a change of pose, place and light, which is what a tracker
  asks of re-ID when a person comes back after an occlusion. Frames next to
  the query (same piece) are junk, as same-camera images are in
  Market-1501.
- ``'sequence'``: camera = the sequence (1, 2, ... in sorted order): the
  honest label, useful only where the same person is seen by several
  sequences (several cameras of one scene labelled with the same ids);
  on ordinary MOT data no query then has a true match.
"""
import configparser
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

PEDESTRIAN = 1  # MOT17/MOT20 class of a pedestrian
GT_COLUMNS = ('frame', 'id', 'x', 'y', 'w', 'h', 'flag', 'class',
              'visibility')
# Values of the columns a six-column gt.txt lacks: considered, pedestrian,
# fully visible.
MISSING_COLUMNS = (1.0, float(PEDESTRIAN), 1.0)
CAMERA_MODES = ('time-window', 'sequence')
PARTS = ('train', 'query', 'gallery')


def read_seqinfo(seq_dir: str) -> Dict:
    """The ``[Sequence]`` section of ``seq_dir/seqinfo.ini``.

    Returns:
        dict: ``name``, ``im_dir``, ``im_ext``, ``width``, ``height``.
    """
    path = osp.join(seq_dir, 'seqinfo.ini')
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path} not found: a MOTChallenge sequence folder holds '
            'seqinfo.ini, img1/ and gt/gt.txt.')
    parser = configparser.ConfigParser()
    parser.read(path)
    if 'Sequence' not in parser:
        raise ValueError(f'{path} has no [Sequence] section.')
    section = parser['Sequence']
    try:
        return dict(name=section.get('name', osp.basename(seq_dir)),
                    im_dir=section.get('imDir', 'img1'),
                    im_ext=section.get('imExt', '.jpg'),
                    width=int(section['imWidth']),
                    height=int(section['imHeight']))
    except (KeyError, ValueError) as error:
        raise ValueError(f'{path}: imWidth and imHeight must be integers '
                         f'({error}).') from None


def read_gt(path: str) -> np.ndarray:
    """``gt.txt`` as an N x 9 float array (columns :data:`GT_COLUMNS`)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found: the sequence has no '
                                'ground truth (gt/gt.txt).')
    rows = []
    with open(path) as file:
        for number, line in enumerate(file, 1):
            if not line.strip():
                continue
            try:
                values = [float(v) for v in line.replace(',', ' ').split()]
            except ValueError:
                raise ValueError(f'{path}, line {number}: not numbers: '
                                 f'{line.strip()!r}') from None
            if len(values) < 6:
                raise ValueError(
                    f'{path}, line {number}: {len(values)} columns, need at '
                    f'least 6 ({", ".join(GT_COLUMNS)}).')
            values = values[:9] + list(MISSING_COLUMNS[len(values) - 6:])
            rows.append(values[:9])
    return np.array(rows, dtype=np.float64).reshape(-1, len(GT_COLUMNS))


def select_boxes(gt: np.ndarray, width: int, height: int,
                 classes: Sequence[int] = (PEDESTRIAN, ),
                 min_visibility: float = 0.3, min_size: int = 32,
                 frame_step: int = 1) -> np.ndarray:
    """The boxes worth a crop, clipped to the image.

    Kept: flag 1 (MOTChallenge's "consider"), a class of ``classes``,
    visibility >= ``min_visibility``, a frame of every ``frame_step``-th
    (frames 1, 1 + k, ...), and a clipped box at least ``min_size`` pixels
    high and 2 wide.

    Returns:
        np.ndarray: M x 6 int64: frame, track id, x1, y1, x2, y2 (0-based,
        x2/y2 exclusive), sorted by track id then frame.
    """
    frame, track = gt[:, 0].astype(np.int64), gt[:, 1].astype(np.int64)
    x1 = np.clip(np.round(gt[:, 2] - 1), 0, width).astype(np.int64)
    y1 = np.clip(np.round(gt[:, 3] - 1), 0, height).astype(np.int64)
    x2 = np.clip(np.round(gt[:, 2] - 1 + gt[:, 4]), 0, width).astype(np.int64)
    y2 = np.clip(np.round(gt[:, 3] - 1 + gt[:, 5]), 0,
                 height).astype(np.int64)
    keep = ((gt[:, 6] != 0) & np.isin(gt[:, 7], list(classes))
            & (gt[:, 8] >= min_visibility) & ((frame - 1) % frame_step == 0)
            & (y2 - y1 >= max(min_size, 1)) & (x2 - x1 >= 2))
    boxes = np.stack([frame, track, x1, y1, x2, y2], axis=1)[keep]
    return boxes[np.lexsort((boxes[:, 0], boxes[:, 1]))]


def evenly_spaced(count: int, most: Optional[int]) -> np.ndarray:
    """Indices of at most ``most`` of ``count`` items, spread evenly (all
    when ``most`` is None or not smaller)."""
    if most is None or count <= most:
        return np.arange(count)
    return np.unique(np.round(np.linspace(0, count - 1, most)).astype(int))


def find_sequences(root: str) -> List[str]:
    """The sequence folders under ``root`` (a sequence itself, or a split
    folder such as ``MOT17/train`` with one folder per sequence)."""
    if osp.isfile(osp.join(root, 'gt', 'gt.txt')):
        return [root]
    if not osp.isdir(root):
        raise FileNotFoundError(f'{root!r} is not a folder.')
    seqs = sorted(
        osp.join(root, name) for name in os.listdir(root)
        if osp.isfile(osp.join(root, name, 'gt', 'gt.txt')))
    if not seqs:
        raise FileNotFoundError(
            f'no MOTChallenge sequence under {root!r}: expected '
            f'{root}/SEQ/gt/gt.txt (+ seqinfo.ini, img1/) or '
            f'{root}/gt/gt.txt.')
    return seqs


def split_identities(names: Sequence[str], test_ratio: float,
                     seed: int) -> Tuple[List[str], List[str]]:
    """Identities for training and for testing, drawn by ``seed``; at
    least one test identity and two training identities."""
    names = sorted(names)
    if len(names) < 3:
        raise ValueError(f'{len(names)} identities left after filtering; '
                         'need at least 3 (2 to train, 1 to test): lower '
                         '--min-visibility / --min-size or add sequences.')
    if not 0 < test_ratio < 1:
        raise ValueError(f'--test-ratio must be in (0, 1), got {test_ratio}.')
    num_test = min(max(1, round(len(names) * test_ratio)), len(names) - 2)
    order = np.random.default_rng(seed).permutation(len(names))
    test = sorted(names[i] for i in order[:num_test])
    return sorted(set(names) - set(test)), test


def pseudo_cameras(count: int, camera_mode: str, windows: int,
                   seq_index: int) -> np.ndarray:
    """Camera id (1-based) of each of a track's ``count`` crops, in time
    order (see the module docstring)."""
    if camera_mode == 'sequence':
        return np.full(count, seq_index + 1)
    cams = np.empty(count, dtype=np.int64)
    for k, piece in enumerate(np.array_split(np.arange(count), windows)):
        cams[piece] = k + 1
    return cams


def query_positions(cams: np.ndarray) -> List[int]:
    """The query crops of a test identity: the middle crop of each camera
    (pseudo-camera) it has."""
    return [int(np.flatnonzero(cams == cam)[(cams == cam).sum() // 2])
            for cam in np.unique(cams)]


def convert_mot(seq_dirs: Sequence[str], out_dir: str,
                classes: Sequence[int] = (PEDESTRIAN, ),
                min_visibility: float = 0.3, min_size: int = 32,
                frame_step: int = 1, max_per_id: Optional[int] = None,
                test_ratio: float = 0.2, seed: int = 0,
                camera_mode: str = 'time-window', windows: int = 2,
                jpeg_quality: int = 95) -> Dict[str, Dict[str, int]]:
    """Write the re-ID set of ``seq_dirs`` to ``out_dir`` (see the module
    docstring for the layout and the pseudo-cameras).

    Args:
        seq_dirs (list[str]): Sequence folders (:func:`find_sequences`).
        out_dir (str): A new or empty folder.
        classes, min_visibility, min_size, frame_step: See
            :func:`select_boxes`.
        max_per_id (int, optional): Most crops of one identity, spread
            evenly over its track. None: all.
        test_ratio (float): Share of identities for query/gallery.
        seed (int): Seed of the identity split.
        camera_mode (str): ``'time-window'`` or ``'sequence'``.
        windows (int): Pseudo-cameras per track (time-window mode).
        jpeg_quality (int): JPEG quality of the crops.

    Returns:
        dict: Per part, ``images`` and ``identities``; ``queries_with_match``
        under ``query``.
    """
    if camera_mode not in CAMERA_MODES:
        raise ValueError(f'camera_mode must be one of {CAMERA_MODES}, got '
                         f'{camera_mode!r}.')
    if camera_mode == 'time-window' and windows < 2:
        raise ValueError(f'--windows must be >= 2 (a query needs another '
                         f'window to match), got {windows}.')
    if frame_step < 1 or (max_per_id is not None and max_per_id < 2):
        raise ValueError(f'--frame-step must be >= 1 and --max-per-id >= 2, '
                         f'got {frame_step} and {max_per_id}.')
    if osp.isdir(out_dir) and os.listdir(out_dir):
        raise FileExistsError(f'{out_dir!r} is not empty: give a new folder '
                              '(crops of two runs must not mix).')
    tracks = {}  # name -> (seq_dir, info, seq_index, crops M x 6)
    for seq_index, seq_dir in enumerate(sorted(seq_dirs)):
        info = read_seqinfo(seq_dir)
        boxes = select_boxes(
            read_gt(osp.join(seq_dir, 'gt', 'gt.txt')), info['width'],
            info['height'], classes, min_visibility, min_size, frame_step)
        for track in np.unique(boxes[:, 1]):
            crops = boxes[boxes[:, 1] == track]
            crops = crops[evenly_spaced(len(crops), max_per_id)]
            tracks[f'{info["name"]}_{track}'] = (seq_dir, info, seq_index,
                                                 crops)
    train, test = split_identities(list(tracks), test_ratio, seed)
    test = set(test)
    jobs = []  # (seq_dir, info, frame, box, destination)
    summary = {part: dict(images=0, identities=0) for part in PARTS}
    summary['query']['queries_with_match'] = 0
    for name, (seq_dir, info, seq_index, crops) in sorted(tracks.items()):
        cams = pseudo_cameras(len(crops), camera_mode, windows, seq_index)
        several = len(np.unique(cams)) > 1
        # A track seen in one time window only has no match of its own:
        # its crops serve as gallery images.
        queries = (set(query_positions(cams)) if name in test and (
            several or camera_mode == 'sequence') else set())
        parts_used = set()
        for i, (crop, cam) in enumerate(zip(crops, cams)):
            part = ('train' if name not in test else
                    'query' if i in queries else 'gallery')
            parts_used.add(part)
            summary[part]['images'] += 1
            file_name = f'{name}_c{cam}s1_{crop[0]:06d}_00.jpg'
            jobs.append((seq_dir, info, int(crop[0]), crop[2:],
                         osp.join(out_dir, part, name, file_name)))
            if part == 'query' and several:
                summary['query']['queries_with_match'] += 1
        for part in parts_used:
            summary[part]['identities'] += 1
    _write_crops(jobs, jpeg_quality)
    return summary


def _write_crops(jobs: list, jpeg_quality: int) -> None:
    """Cut and write the crops, reading each frame once."""
    jobs = sorted(jobs, key=lambda job: (job[0], job[2]))
    frame_key, frame = None, None
    for seq_dir, info, frame_id, (x1, y1, x2, y2), dst in jobs:
        if (seq_dir, frame_id) != frame_key:
            path = osp.join(seq_dir, info['im_dir'],
                            f'{frame_id:06d}{info["im_ext"]}')
            frame = cv2.imread(path, cv2.IMREAD_COLOR)
            if frame is None:
                raise FileNotFoundError(
                    f'{path}: missing or not an image (gt.txt has boxes on '
                    f'frame {frame_id}).')
            if frame.shape[:2] != (info['height'], info['width']):
                raise ValueError(
                    f'{path} is {frame.shape[1]}x{frame.shape[0]}, '
                    f'seqinfo.ini says {info["width"]}x{info["height"]}.')
            frame_key = (seq_dir, frame_id)
        os.makedirs(osp.dirname(dst), exist_ok=True)
        cv2.imwrite(dst, frame[y1:y2, x1:x2],
                    [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])
