"""Uploaded image bytes: their format, whether they decode, their id.

An entry's id is the SHA-256 of its image's bytes (64 lower-case hex
digits): the same image uploaded twice is one entry, and an id is the only
thing of a client's that ever names a file (:func:`check_entry_id`).
"""
import hashlib
import re
from typing import Optional

import cv2
import numpy as np

# Magic bytes -> (file suffix, media type) of the formats the service keeps.
IMAGE_FORMATS = {
    b'\xff\xd8\xff': ('jpg', 'image/jpeg'),
    b'\x89PNG\r\n\x1a\n': ('png', 'image/png'),
    b'BM': ('bmp', 'image/bmp'),
}
SUFFIX_MEDIA_TYPES = dict(IMAGE_FORMATS.values())
SUFFIX_MEDIA_TYPES['webp'] = 'image/webp'
ACCEPTED = 'JPEG, PNG, BMP or WebP'
ENTRY_ID = re.compile(r'^[0-9a-f]{64}$')


class UnknownEntry(KeyError):
    """An id that names no entry (or is not an id at all)."""


class BadImage(ValueError):
    """Bytes that are not an image the service keeps (the message names
    the file)."""


def image_suffix(data: bytes) -> Optional[str]:
    """The file suffix of an image's format from its first bytes; None for
    a format the service does not keep."""
    for magic, (suffix, _) in IMAGE_FORMATS.items():
        if data.startswith(magic):
            return suffix
    if data[:4] == b'RIFF' and data[8:12] == b'WEBP':
        return 'webp'
    return None


def check_image(data: bytes, name: str) -> str:
    """Check that uploaded bytes are a decodable image.

    Args:
        data (bytes): The file's bytes.
        name (str): The client's file name (only named in the error).

    Returns:
        str: The file suffix of its format.

    Raises:
        BadImage: Empty, another format, or not decodable.
    """
    if not data:
        raise BadImage(f'{name!r} is empty')
    suffix = image_suffix(data)
    if suffix is None:
        raise BadImage(f'{name!r} is not a {ACCEPTED} image')
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if decoded is None or decoded.size == 0:
        raise BadImage(f'{name!r} looks like a {suffix.upper()} file but '
                       'cannot be decoded (truncated or damaged)')
    return suffix


def content_id(data: bytes) -> str:
    """The entry id of an image: SHA-256 (hex) of its bytes."""
    return hashlib.sha256(data).hexdigest()


def check_entry_id(entry_id: str) -> str:
    """Return ``entry_id`` when it is an id (64 hex digits), else raise
    :class:`UnknownEntry`: nothing else may reach the file system."""
    if not isinstance(entry_id, str) or not ENTRY_ID.match(entry_id):
        raise UnknownEntry(f'no entry {entry_id!r}: ids are 64 hex digits')
    return entry_id
