"""A small synthetic re-ID data set in the Market-1501 layout.

Each identity is a drawn pedestrian whose clothes (colours, pattern,
sleeves, trousers or skirt, bag, hair) are fixed; each camera has its own
background, light, colour cast, blur and framing; each picture adds pose,
viewpoint (front or back), position and sometimes an occluder. Matching needs
what re-ID models learn on real data, clothing seen through camera changes,
while exact colours and the background do not carry across cameras.
Everything is drawn with a seeded generator: the same seed gives the same
files.
"""
import dataclasses
import os
import os.path as osp
from typing import Dict, Tuple

import cv2
import numpy as np

FOLDERS = dict(
    train='bounding_box_train', query='query', gallery='bounding_box_test')
SKIN = [(189, 208, 241), (140, 180, 224), (94, 134, 198), (60, 90, 140)]
HAIR = [(20, 20, 20), (30, 50, 90), (80, 140, 190), (150, 150, 150)]
PATTERNS = ('solid', 'stripes', 'two_tone', 'logo')


@dataclasses.dataclass
class SyntheticReIDConfig:
    """What :func:`make_synthetic_market` draws.

    Args:
        num_train_ids (int): Identities of bounding_box_train (pids 1..N).
        num_test_ids (int): Identities of query/gallery (the next pids).
        num_cams (int): Cameras.
        cams_per_id (tuple[int, int]): Range (inclusive) of the number of
            cameras that see one identity; at least 2.
        images_per_cam (tuple[int, int]): Range (inclusive) of images of one
            identity per camera; at least 2 (a test identity gives one query
            per camera, the rest go to the gallery).
        num_distractors (int): Gallery images of pid 0 (bad detections).
        num_junk (int): Gallery images of pid -1 (dropped by the loaders).
        height (int): Image height. width (int): Image width.
        occlusion_prob (float): Chance that an object hides part of a person.
        jpeg_quality (int): JPEG quality of the files.
        seed (int): The seed of everything.
    """
    num_train_ids: int = 64
    num_test_ids: int = 50
    num_cams: int = 6
    cams_per_id: Tuple[int, int] = (2, 4)
    images_per_cam: Tuple[int, int] = (2, 4)
    num_distractors: int = 40
    num_junk: int = 20
    height: int = 128
    width: int = 64
    occlusion_prob: float = 0.2
    jpeg_quality: int = 90
    seed: int = 0

    def validate(self) -> None:
        """Raise on settings that break the Market protocol."""
        low, high = self.cams_per_id
        if not 2 <= low <= high <= self.num_cams:
            raise ValueError(f'cams_per_id {self.cams_per_id} must satisfy '
                             f'2 <= min <= max <= num_cams={self.num_cams}: '
                             'every query needs a match in another camera.')
        if not 2 <= self.images_per_cam[0] <= self.images_per_cam[1]:
            raise ValueError(f'images_per_cam {self.images_per_cam} must '
                             'satisfy 2 <= min <= max.')
        if self.num_train_ids < 1 or self.num_test_ids < 1:
            raise ValueError('num_train_ids and num_test_ids must be >= 1.')
        if self.height < 32 or self.width < 16:
            raise ValueError(f'image size {self.height}x{self.width} is too '
                             'small to draw a person (min 32x16).')


def _rng(cfg: SyntheticReIDConfig, *key: int) -> np.random.Generator:
    return np.random.default_rng([cfg.seed, *key])


def _colour(rng: np.random.Generator) -> np.ndarray:
    """A clothing colour (BGR): mostly saturated hues, sometimes neutral."""
    if rng.random() < 0.25:
        return np.full(3, rng.uniform(20, 230))
    hsv = np.uint8([[[rng.integers(0, 180), rng.integers(90, 256),
                      rng.integers(70, 256)]]])
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0].astype(float)


def identity_look(cfg: SyntheticReIDConfig, pid: int) -> Dict:
    """The fixed appearance of one identity."""
    rng = _rng(cfg, 1, pid)
    return dict(
        skin=np.array(SKIN[rng.integers(len(SKIN))], float),
        hair=np.array(HAIR[rng.integers(len(HAIR))], float),
        long_hair=rng.random() < 0.3,
        upper=_colour(rng), upper2=_colour(rng),
        pattern=PATTERNS[rng.integers(len(PATTERNS))],
        long_sleeves=rng.random() < 0.6,
        lower=_colour(rng), skirt=rng.random() < 0.2,
        shorts=rng.random() < 0.2, shoes=_colour(rng) * 0.5,
        bag=('none', 'backpack', 'shoulder')[rng.integers(3)],
        bag_colour=_colour(rng), bag_side=rng.choice([-1, 1]),
        build=rng.uniform(0.85, 1.15), leg_ratio=rng.uniform(0.44, 0.52))


def camera_look(cfg: SyntheticReIDConfig, cam: int) -> Dict:
    """The fixed conditions of one camera."""
    rng = _rng(cfg, 2, cam)
    return dict(
        wall=rng.uniform(40, 220, 3), floor=rng.uniform(40, 200, 3),
        horizon=rng.uniform(0.55, 0.8), gain=rng.uniform(0.65, 1.3),
        cast=rng.uniform(0.8, 1.2, 3), blur=rng.uniform(0.0, 1.2),
        scale=rng.uniform(0.72, 0.92), noise=rng.uniform(2, 8))


def _background(cam: Dict, rng, h: int, w: int) -> np.ndarray:
    img = np.empty((h, w, 3), float)
    horizon = int(h * cam['horizon'])
    img[:horizon] = cam['wall']
    img[horizon:] = cam['floor']
    img *= np.linspace(0.85, 1.1, h)[:, None, None]
    for _ in range(rng.integers(1, 4)):  # windows, poles, signs
        x0, y0 = rng.integers(0, w), rng.integers(0, horizon)
        colour = np.clip(cam['wall'] + rng.normal(0, 50, 3), 0, 255)
        cv2.rectangle(img, (int(x0), int(y0)),
                      (int(x0 + rng.integers(4, w // 2)),
                       int(y0 + rng.integers(4, h // 3))), colour.tolist(), -1)
    return img


def _draw_person(img: np.ndarray, look: Dict, rng, scale: float) -> None:
    """Draw a walking pedestrian into img (float BGR), in place."""
    h, w = img.shape[:2]
    tall = h * scale * rng.uniform(0.95, 1.03)
    top = (h - tall) * rng.uniform(0.2, 0.8)
    cx = w / 2 + rng.normal(0, w * 0.04)
    y = lambda f: int(round(top + f * tall))  # noqa: E731
    half = tall * 0.13 * look['build']
    front = rng.random() < 0.5
    stride, swing = rng.uniform(-0.09, 0.09) * tall, rng.uniform(-0.06, 0.06)
    hip, foot = y(1 - look['leg_ratio']), y(0.97)
    knee = (hip + foot) // 2
    fill = cv2.fillConvexPoly

    def quad(x0, x1, y0, x2, x3, y1, colour):
        pts = np.array([[x0, y0], [x1, y0], [x3, y1], [x2, y1]], np.int32)
        fill(img, pts, colour.tolist(), cv2.LINE_AA)

    for side in (-1, 1):  # legs, then shoes
        dx = side * stride / 2
        x_hip = cx + side * half * 0.45
        shin = look['skin'] if look['shorts'] else look['lower']
        quad(x_hip - half * 0.4, x_hip + half * 0.4, hip, x_hip + dx - half *
             0.3, x_hip + dx + half * 0.3, knee, look['lower'])
        quad(x_hip + dx - half * 0.3, x_hip + dx + half * 0.3, knee,
             x_hip + 2 * dx - half * 0.28, x_hip + 2 * dx + half * 0.28, foot,
             shin)
        cv2.ellipse(img, (int(x_hip + 2 * dx), foot),
                    (max(2, int(half * 0.4)), max(1, int(tall * 0.025))), 0,
                    0, 360, look['shoes'].tolist(), -1, cv2.LINE_AA)
    if look['skirt']:
        quad(cx - half * 0.95, cx + half * 0.95, hip, cx - half * 1.3,
             cx + half * 1.3, y(0.72), look['lower'])
    shoulder, waist = y(0.17), hip
    for side in (-1, 1):  # arms
        sleeve = look['upper'] if look['long_sleeves'] else look['skin']
        x0 = cx + side * half * 0.95
        x1 = x0 + side * half * 0.15 + side * swing * tall
        quad(x0 - half * 0.22, x0 + half * 0.22, shoulder, x1 - half * 0.2,
             x1 + half * 0.2, y(0.5), sleeve)
    quad(cx - half, cx + half, shoulder, cx - half * 0.85, cx + half * 0.85,
         waist, look['upper'])
    pattern = look['pattern']
    if pattern == 'stripes':
        for k in range(3):
            y0 = shoulder + (waist - shoulder) * (0.2 + 0.27 * k)
            quad(cx - half, cx + half, y0, cx - half, cx + half,
                 y0 + (waist - shoulder) * 0.12, look['upper2'])
    elif pattern == 'two_tone':
        quad(cx - half * 0.92, cx + half * 0.92, (shoulder + waist) // 2,
             cx - half * 0.85, cx + half * 0.85, waist, look['upper2'])
    elif pattern == 'logo' and front:
        quad(cx - half * 0.4, cx + half * 0.4, y(0.24), cx - half * 0.4,
             cx + half * 0.4, y(0.34), look['upper2'])
    if look['bag'] == 'backpack':
        if front:  # straps
            for side in (-1, 1):
                x = cx + side * half * 0.55
                quad(x - 1.5, x + 1.5, shoulder, x - 1.5, x + 1.5, y(0.4),
                     look['bag_colour'])
        else:
            quad(cx - half * 0.75, cx + half * 0.75, y(0.2), cx - half * 0.75,
                 cx + half * 0.75, y(0.45), look['bag_colour'])
    elif look['bag'] == 'shoulder':
        x = cx + look['bag_side'] * half * (1.25 if front else -1.25)
        quad(x - half * 0.35, x + half * 0.35, y(0.42), x - half * 0.35,
             x + half * 0.35, y(0.56), look['bag_colour'])
    head_r = max(2, int(tall * 0.068))
    head_y = y(0.085)
    cv2.circle(img, (int(cx), head_y), head_r,
               (look['hair'] if not front else look['skin']).tolist(), -1,
               cv2.LINE_AA)
    cv2.ellipse(img, (int(cx), head_y), (head_r, head_r), 0, 180, 360,
                look['hair'].tolist(), -1, cv2.LINE_AA)
    if look['long_hair']:
        quad(cx - head_r, cx + head_r, head_y, cx - head_r * 1.1,
             cx + head_r * 1.1, y(0.22), look['hair'])


def render(cfg: SyntheticReIDConfig, look: Dict, cam: Dict,
           rng: np.random.Generator, partial: bool = False) -> np.ndarray:
    """Draw one picture of a person (uint8 BGR, height x width).

    Args:
        cfg (SyntheticReIDConfig): Image size and occlusion chance.
        look (dict): From :func:`identity_look`.
        cam (dict): From :func:`camera_look`.
        rng (np.random.Generator): Drives this picture's pose and framing.
        partial (bool): Frame the person badly, as a failed detection.
    """
    h, w = cfg.height, cfg.width
    img = _background(cam, rng, h, w)
    scale = cam['scale'] * rng.uniform(0.93, 1.05)
    if partial:
        scale = rng.uniform(1.15, 1.7)
    _draw_person(img, look, rng, scale)
    if partial:
        shift = np.float32([[1, 0, rng.uniform(-0.4, 0.4) * w],
                            [0, 1, rng.uniform(-0.5, 0.2) * h]])
        img = cv2.warpAffine(img, shift, (w, h), borderMode=cv2.BORDER_REFLECT)
    if rng.random() < cfg.occlusion_prob:  # a car, a pole, another person
        y0 = int(h * rng.uniform(0.45, 0.75))
        x0, x1 = sorted(rng.integers(0, w, 2))
        if rng.random() < 0.5:
            x0, x1 = 0, w
        cv2.rectangle(img, (int(x0), y0), (int(x1), h),
                      rng.uniform(0, 255, 3).tolist(), -1)
    img = img * cam['gain'] * cam['cast'] * rng.uniform(0.9, 1.1)
    if cam['blur'] > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), cam['blur'])
    img += rng.normal(0, cam['noise'], img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def make_synthetic_market(root: str, cfg: SyntheticReIDConfig = None,
                          **overrides) -> Dict[str, int]:
    """Write a synthetic data set in the Market-1501 layout under root.

    Train identities get pids 1..num_train_ids, test identities the pids
    after them. A test identity gives one query per camera it appears in; its
    other pictures go to the gallery, so every query has a true match in
    another camera. The gallery also holds distractors (pid 0) and junk
    (pid -1), as in Market-1501.

    Args:
        root (str): Output folder (created; existing files of the same
            names are overwritten).
        cfg (SyntheticReIDConfig, optional): The settings. Defaults to the
            default settings.
        **overrides: Fields of :class:`SyntheticReIDConfig` to change.

    Returns:
        dict: Number of images written per folder key ('train', 'query',
        'gallery').
    """
    cfg = dataclasses.replace(cfg or SyntheticReIDConfig(), **overrides)
    cfg.validate()
    for folder in FOLDERS.values():
        os.makedirs(osp.join(root, folder), exist_ok=True)
    cams = [camera_look(cfg, cam) for cam in range(cfg.num_cams)]
    frames = [0] * cfg.num_cams
    counts = dict(train=0, query=0, gallery=0)
    params = [cv2.IMWRITE_JPEG_QUALITY, cfg.jpeg_quality]

    def write(part, pid, cam, img, box=0):
        frames[cam] += 1
        name = f'{pid:04d}' if pid >= 0 else str(pid)
        name += f'_c{cam + 1}s1_{frames[cam] * 25:06d}_{box:02d}.jpg'
        cv2.imwrite(osp.join(root, FOLDERS[part], name), img, params)
        counts[part] += 1

    num_ids = cfg.num_train_ids + cfg.num_test_ids
    for pid in range(1, num_ids + 1):
        look, rng = identity_look(cfg, pid), _rng(cfg, 3, pid)
        num_seen = rng.integers(cfg.cams_per_id[0], cfg.cams_per_id[1] + 1)
        for cam in sorted(rng.choice(cfg.num_cams, num_seen, replace=False)):
            num_images = rng.integers(cfg.images_per_cam[0],
                                      cfg.images_per_cam[1] + 1)
            for k in range(num_images):
                img = render(cfg, look, cams[cam], rng)
                if pid <= cfg.num_train_ids:
                    write('train', pid, cam, img, k)
                else:
                    write('query' if k == 0 else 'gallery', pid, cam, img, k)
    rng = _rng(cfg, 4)
    for i in range(cfg.num_distractors + cfg.num_junk):
        junk = i >= cfg.num_distractors
        cam = int(rng.integers(cfg.num_cams))
        look = identity_look(cfg, 100000 + i)  # nobody of the data set
        img = render(cfg, look, cams[cam], rng, partial=True)
        if junk:
            img = cv2.GaussianBlur(img, (0, 0), 4)
        write('gallery', -1 if junk else 0, cam, img)
    return counts
