"""Camera ids read from file names, and when a test set has one camera.

The evaluation protocol drops, for each query, the gallery images of the
same identity taken by the same camera: near-duplicate frames of one
camera would otherwise be easy "matches". A data set without camera ids
cannot be evaluated that way, and its numbers look better than they are.
"""
import os.path as osp
import re
from typing import Callable, List, Optional, Sequence, Union

from .dukemtmc import DukeMTMCReID
from .market1501 import Market1501

AUTO = 'auto'
# The name forms camera_pattern='auto' knows: the data sets' own patterns
# (one source), behind any identity prefix (``alice_c1s1_000451_03.jpg``).
# Their camera numbers start at 1, as in the data sets.
KNOWN_NAME_FORMS = {
    dataset.DATASET_NAME: re.compile(r'^.+?' + dataset.NAME_AFTER_PID)
    for dataset in (Market1501, DukeMTMCReID)
}

ONE_CAMERA_ADVICE = (
    'Give camera ids: in the file names (Market-1501 form '
    '0002_c1s1_000451_03.jpg or DukeMTMC-reID form 0001_c2_f0046182.jpg, '
    "read by CustomReIDDataset's default camera_pattern='auto'), with a "
    "regular expression whose one group is the camera "
    "(camera_pattern=r'_c(\\d+)_'), or as a third column of list files "
    "('path identity camid').")

CameraPattern = Union[None, str, re.Pattern]


def compile_camera_pattern(camera_pattern: CameraPattern) -> CameraPattern:
    """Check a ``camera_pattern`` option and compile a regular expression.

    Args:
        camera_pattern (str | None): ``'auto'``, None (file names carry no
            camera) or a regular expression with one group (or a group
            named ``cam``) that is the camera.

    Returns:
        str | re.Pattern | None: ``'auto'``, None or the compiled pattern.
    """
    if camera_pattern is None or camera_pattern == AUTO:
        return camera_pattern
    try:
        pattern = re.compile(camera_pattern)
    except (re.error, TypeError) as error:
        raise ValueError(
            f'camera_pattern={camera_pattern!r} is not a regular expression '
            f"({error}); give one such as r'_c(\\d+)_', 'auto' or None.")
    if pattern.groups != 1 and 'cam' not in pattern.groupindex:
        raise ValueError(
            f'camera_pattern={camera_pattern!r} has {pattern.groups} groups; '
            'it needs exactly one, the camera (or one named (?P<cam>...)), '
            "e.g. r'_c(\\d+)_'.")
    return pattern


def camera_ids_from_names(paths: Sequence[str],
                          camera_pattern: CameraPattern) -> Optional[List]:
    """Read the camera of every file from its base name.

    With ``'auto'`` the name forms of :data:`KNOWN_NAME_FORMS` are tried:
    the first that fits any file must fit every file. With a pattern, it is
    searched in every name. Cameras written as numbers are used as numbers
    (a known form's 1-based camera made 0-based; a pattern's number as
    written); other text (``A``, ``B``) is numbered in sorted order.

    Args:
        paths (Sequence[str]): The image files of one split.
        camera_pattern (str | re.Pattern | None): As returned by
            :func:`compile_camera_pattern`.

    Returns:
        list[int] | None: A camera id per path, or None when the names
        carry no camera (no known form fits any of them with ``'auto'``;
        always with None).

    Raises:
        ValueError: Naming a file the chosen form or pattern does not fit.
    """
    if camera_pattern is None or not paths:
        return None
    if camera_pattern != AUTO:
        # A pattern of the user's may sit anywhere in the name.
        return _read_cameras(paths, camera_pattern.search, 0,
                             f"camera_pattern=r'{camera_pattern.pattern}'")
    for form_name, form in KNOWN_NAME_FORMS.items():
        if any(form.match(osp.basename(path)) for path in paths):
            return _read_cameras(
                paths, form.match, 1,
                f"the {form_name} file name form (camera_pattern='auto')")
    return None


def _read_cameras(paths: Sequence[str], find: Callable, first: int,
                  what: str) -> List[int]:
    """Camera ids by ``find`` (a pattern's match or search) on the base
    names; ``first`` is the number of the first camera as written."""
    matches = [find(osp.basename(path)) for path in paths]
    for path, match in zip(paths, matches):
        if match is None:
            example = next((p for p, m in zip(paths, matches) if m), None)
            if example is None:
                raise ValueError(
                    f'No file name of this split gives a camera by {what} '
                    f'(e.g. {path}): correct the pattern, or set '
                    'camera_pattern=None to read no camera from the names.')
            raise ValueError(
                f'{path}: its name gives no camera, but other file names of '
                f'this split do by {what} (e.g. {example}). Name every file '
                'with its camera, give a camera_pattern that fits them all, '
                'or camera_pattern=None to read no camera from the names.')
    texts = [m.group('cam') if 'cam' in m.re.groupindex else m.group(1)
             for m in matches]
    if all(text.isdigit() for text in texts):
        numbers = [int(text) for text in texts]
        # A camera written as 0 where numbers start at 1: keep as written.
        offset = first if min(numbers) >= first else 0
        return [number - offset for number in numbers]
    order = {text: i for i, text in enumerate(sorted(set(texts)))}
    return [order[text] for text in texts]


def single_camera(query_camids: Sequence[int],
                  gallery_camids: Sequence[int],
                  cameras_known: bool = True) -> bool:
    """Whether a test set has one camera, so that the protocol cannot drop
    same-camera matches.

    Args:
        query_camids (Sequence[int]): Camera ids of the queries.
        gallery_camids (Sequence[int]): Camera ids of the gallery.
        cameras_known (bool): False where the data set had no camera ids
            and numbered query and gallery apart
            (``metainfo['cameras_known']``).

    Returns:
        bool: True for one camera.
    """
    camids = {int(c) for c in query_camids} | {int(c) for c in gallery_camids}
    return not cameras_known or len(camids) <= 1


def one_camera_warning(cameras_known: bool = False,
                       data: str = 'the query and gallery') -> str:
    """The warning for a test set of one camera, with what to do.

    Args:
        cameras_known (bool): Whether the data set gave camera ids (all
            equal, then) or none. Defaults to False.
        data (str): What is evaluated, named at the start.

    Returns:
        str: The message.
    """
    why = 'all their camera ids are equal' if cameras_known else \
        'the data set gives no camera ids'
    return (f'{data} come from one camera ({why}): the protocol cannot '
            'remove same-camera matches, so near-duplicate frames of a '
            'person count as correct matches and the numbers look better '
            'than they are. ' + ONE_CAMERA_ADVICE)
