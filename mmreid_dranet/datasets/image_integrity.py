"""Detect corrupt or truncated image files before they reach a model.

OpenCV decodes a truncated JPEG without an error: it prints a libjpeg warning
and returns an image whose missing rows are grey. A training run would then
learn from a damaged sample and nobody would notice. The checks below catch
this from the file's bytes (a JPEG ends with its EOI marker, a PNG with its
IEND chunk) and then decode the image.
"""
from typing import Optional

import cv2
import numpy as np

JPEG_SOI = b'\xff\xd8'
JPEG_EOI = b'\xff\xd9'
# Some writers pad a JPEG after EOI. Inside entropy-coded data every 0xFF is
# stuffed as 0xFF00, so 0xFFD9 near the end can only be the real EOI marker.
JPEG_TAIL_BYTES = 32
PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
PNG_IEND = b'IEND\xaeB`\x82'

# The dataset option that leaves bad files out (BaseReIDDataset's
# image_check), as a line to paste after a tool's command.
SKIP_OPTION = '--cfg-options train_dataloader.dataset.image_check=skip'
SKIP_HINT = (
    f'To leave such files out of training, run again with {SKIP_OPTION} '
    '(val_dataloader / test_dataloader for evaluation data); '
    'tools/misc/check_dataset.py CONFIG lists every bad file at once.')


class CorruptImageError(ValueError):
    """An image file that is empty, truncated or cannot be decoded."""

    @classmethod
    def of_file(cls, path: str, problem: str,
                hint: bool = True) -> 'CorruptImageError':
        """The error for one file, naming it, its defect and (with
        ``hint``) the option that skips such files.

        Args:
            path (str): The image file.
            problem (str): What is wrong with it.
            hint (bool): Add :data:`SKIP_HINT`. Defaults to True.

        Returns:
            CorruptImageError: The error, to raise.
        """
        message = f'Corrupt image file {path}: {problem}.'
        return cls(f'{message} {SKIP_HINT}' if hint else message)


def image_bytes_problem(data: bytes) -> Optional[str]:
    """Find what is wrong with the bytes of an image file, without decoding.

    Args:
        data (bytes): The whole content of the file.

    Returns:
        str | None: A short description of the defect, or None when the
        container looks complete (formats other than JPEG and PNG are only
        checked for emptiness here).
    """
    if len(data) == 0:
        return 'the file is empty'
    if data.startswith(JPEG_SOI):
        if JPEG_EOI not in data[-JPEG_TAIL_BYTES:]:
            return 'truncated JPEG (no end-of-image marker)'
    elif data.startswith(PNG_SIGNATURE):
        if not data.rstrip(b'\x00').endswith(PNG_IEND):
            return 'truncated PNG (no IEND chunk)'
    return None


def decode_image_bytes(data: bytes,
                       path: str,
                       flag: int = cv2.IMREAD_COLOR,
                       hint: bool = True) -> np.ndarray:
    """Check and decode the bytes of an image file.

    Args:
        data (bytes): The whole content of the file.
        path (str): The file's path, named in the error.
        flag (int): The ``cv2.imdecode`` flag. Defaults to colour (BGR).
        hint (bool): Name the option that skips bad files in the error.

    Returns:
        np.ndarray: The decoded image, H x W x 3 (uint8, BGR) by default.

    Raises:
        CorruptImageError: When the file is empty, truncated or undecodable.
    """
    problem = image_bytes_problem(data)
    if problem is None:
        img = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
        if img is None:
            problem = 'the image cannot be decoded'
        else:
            return img
    raise CorruptImageError.of_file(path, problem, hint)


def check_image_file(path: str) -> Optional[str]:
    """Read, check and decode one file.

    Args:
        path (str): The image file.

    Returns:
        str | None: The error message when the file is bad (without the
        skip hint: callers list many), else None.
    """
    try:
        with open(path, 'rb') as f:
            data = f.read()
        decode_image_bytes(data, path, hint=False)
    except (OSError, CorruptImageError) as error:
        return str(error)
    return None
