"""Tiny MOTChallenge-format sequences, drawn with the synthetic renderer.

Each sequence: ``seqinfo.ini``, ``img1/000001.jpg`` ... (real JPEG frames
with pedestrians pasted at their boxes) and ``gt/gt.txt`` in the MOT17
9-column form. Besides the walkers (class 1, flag 1, visible), every frame
has boxes the converter must leave out: an ignored box (flag 0), a car
(class 3) and a pedestrian at visibility 0.1; one walker runs past the
right border, so its boxes are clipped.
"""
import os
import os.path as osp

import cv2
import numpy as np

from mmreid_dranet.datasets.synthetic import (SyntheticReIDConfig, camera_look,
                                              identity_look, render)

FRAME_H, FRAME_W = 120, 200
PERSON_H, PERSON_W = 64, 32
NUM_FRAMES = 12
WALKERS = 5  # track ids 1..5 of each sequence
# Rows the converter must drop: (track id, flag, class, visibility).
DROPPED = [(90, 0, 1, 1.0), (91, 1, 3, 1.0), (92, 1, 1, 0.1)]


def write_mot_sequence(root: str, name: str, seed: int) -> dict:
    """Write one sequence under ``root/name``.

    Returns:
        dict: ``tracks``: the kept track ids; ``rows``: the gt rows.
    """
    seq = osp.join(root, name)
    os.makedirs(osp.join(seq, 'img1'))
    os.makedirs(osp.join(seq, 'gt'))
    cfg = SyntheticReIDConfig(height=PERSON_H, width=PERSON_W, seed=seed,
                              occlusion_prob=0.0)
    cam = camera_look(cfg, 0)
    rng = np.random.default_rng(seed)
    rows = []
    for frame in range(1, NUM_FRAMES + 1):
        img = np.full((FRAME_H, FRAME_W, 3), 90, np.uint8)
        for track in range(1, WALKERS + 1):
            # Walkers keep to their own lanes; the last one walks out of
            # the frame on the right.
            x = 4 + (track - 1) * 36 + frame * (3 if track == WALKERS else 1)
            y = 8 + (track % 2) * 40
            person = render(cfg, identity_look(cfg, 100 * seed + track), cam,
                            rng)
            width = min(PERSON_W, FRAME_W - x)
            img[y:y + PERSON_H, x:x + width] = person[:, :width]
            rows.append((frame, track, x + 1, y + 1, PERSON_W, PERSON_H, 1, 1,
                         1.0))
        for track, flag, cls, visibility in DROPPED:
            rows.append((frame, track, 10, 10, 30, 60, flag, cls, visibility))
        cv2.imwrite(osp.join(seq, 'img1', f'{frame:06d}.jpg'), img)
    with open(osp.join(seq, 'gt', 'gt.txt'), 'w') as file:
        for row in rows:
            file.write(','.join(str(v) for v in row) + '\n')
    with open(osp.join(seq, 'seqinfo.ini'), 'w') as file:
        file.write(f'[Sequence]\nname={name}\nimDir=img1\nframeRate=30\n'
                   f'seqLength={NUM_FRAMES}\nimWidth={FRAME_W}\n'
                   f'imHeight={FRAME_H}\nimExt=.jpg\n')
    return dict(tracks=list(range(1, WALKERS + 1)), rows=rows)


def write_mot_split(root: str, names=('MOT17-90', 'MOT17-91')) -> dict:
    """Several sequences in ``root`` (as MOT17/train). Returns
    {name: write_mot_sequence's dict}."""
    return {name: write_mot_sequence(root, name, seed)
            for seed, name in enumerate(names, 1)}
