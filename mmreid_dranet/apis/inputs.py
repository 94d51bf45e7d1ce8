"""What the inferencer accepts: image files, folders and cv2 arrays.

A folder is either flat (its images directly inside) or labelled: one
sub-folder per identity, ``gallery/alice/0001.jpg``, the layout
``CustomReIDDataset`` reads. :func:`list_image_folder` tells the two apart
and is the one listing every tool uses.
"""
import os
import os.path as osp
from typing import List, NamedTuple, Optional, Sequence, Union

import numpy as np

# Files of a folder that are embedded; others (e.g. Thumbs.db, which
# Market-1501 ships) are not images and are left out of the listing.
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif',
                    '.tiff', '.ppm', '.pgm')

ImageInput = Union[str, np.ndarray]


class ImageFolder(NamedTuple):
    """The images of a folder and, for identity folders, whose they are.

    Attributes:
        paths (list[str]): Image files, sorted by path.
        identities (list[str] | None): The identity folder name of each
            image (``'alice'``); None for a flat folder.
    """
    paths: List[str]
    identities: Optional[List[str]]

    @property
    def is_labelled(self) -> bool:
        """Whether the folder is one sub-folder per identity."""
        return self.identities is not None


def _images_in(folder: str) -> List[str]:
    return sorted(
        osp.join(folder, name) for name in os.listdir(folder)
        if name.lower().endswith(IMAGE_EXTENSIONS)
        and osp.isfile(osp.join(folder, name)))


def list_image_folder(folder: str) -> ImageFolder:
    """The images of a flat folder, or of a folder of identity folders.

    A folder whose images sit directly inside it is flat; a folder without
    images of its own whose sub-folders hold images is labelled: each
    sub-folder is one identity (its name), as ``CustomReIDDataset`` reads
    ``<part>/<identity>/*.jpg``. Images deeper down are not listed, as
    there.

    Args:
        folder (str): An existing folder.

    Returns:
        ImageFolder: The sorted files and, when labelled, their identities.
    """
    if not osp.isdir(folder):
        raise FileNotFoundError(f'image folder not found: {folder!r}')
    flat = _images_in(folder)
    subfolders = sorted(entry.path for entry in os.scandir(folder)
                        if entry.is_dir())
    labelled = [(osp.basename(sub), _images_in(sub)) for sub in subfolders]
    labelled = [(name, files) for name, files in labelled if files]
    if flat and labelled:
        raise ValueError(
            f'{folder!r} holds images both directly ({osp.basename(flat[0])!r}'
            f') and in sub-folders ({labelled[0][0]!r}/): put every image '
            'in the folder of its identity (<folder>/<identity>/<image>), '
            'or all of them directly in the folder')
    if flat or not labelled:
        if not flat:
            raise FileNotFoundError(
                f'no image files ({", ".join(IMAGE_EXTENSIONS)}) in '
                f'{folder!r}, neither directly nor in identity folders '
                f'({folder}/<identity>/<image>)')
        return ImageFolder(flat, None)
    paths, identities = [], []
    for name, files in labelled:
        paths += files
        identities += [name] * len(files)
    return ImageFolder(paths, identities)


def identity_pids(identities: Sequence[str]) -> np.ndarray:
    """Person ids of identity names, by ``CustomReIDDataset``'s rule.

    Integer names (``0001``) are their number; as soon as one name is not
    an integer, the pid of a name is its position among the sorted
    distinct names.

    Args:
        identities (Sequence[str]): One name per image.

    Returns:
        ndarray: int64 person ids.
    """
    names = [str(name) for name in identities]
    if all(is_integer_name(name) for name in names):
        return np.asarray([int(name) for name in names], dtype=np.int64)
    position = {name: pid for pid, name in enumerate(sorted(set(names)))}
    return np.asarray([position[name] for name in names], dtype=np.int64)


def is_integer_name(name) -> bool:
    """Whether an identity name is a number (``0001``, ``-1``)."""
    return str(name).lstrip('-').isdigit()


def list_images(folder: str, recursive: bool = False) -> List[str]:
    """The image files of a folder, sorted by path.

    Args:
        folder (str): An existing folder, flat or of identity folders
            (:func:`list_image_folder`).
        recursive (bool): List every sub-folder at any depth instead.
            Defaults to False.

    Returns:
        list[str]: Paths (``folder`` joined with the relative name).
    """
    if not recursive:
        return list_image_folder(folder).paths
    if not osp.isdir(folder):
        raise FileNotFoundError(f'image folder not found: {folder!r}')
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        found.extend(
            osp.join(root, name) for name in files
            if name.lower().endswith(IMAGE_EXTENSIONS))
    if not found:
        raise FileNotFoundError(
            f'no image files ({", ".join(IMAGE_EXTENSIONS)}) in {folder!r} '
            'or its sub-folders')
    return sorted(found)


def inputs_to_list(inputs: Union[ImageInput, Sequence[ImageInput]],
                   recursive: bool = False) -> List[ImageInput]:
    """Flatten the inferencer's inputs into a list of files and arrays.

    Args:
        inputs: An image file, a folder (flat or of identity folders), an
            H x W x 3 uint8 BGR array (as ``cv2.imread`` returns), an
            N x H x W x 3 stack of them, or a list of files and arrays.
        recursive (bool): For folders: list sub-folders at any depth.

    Returns:
        list[str | ndarray]: One item per image.
    """
    if isinstance(inputs, str):
        if osp.isdir(inputs):
            return list_images(inputs, recursive)
        return [inputs]
    if isinstance(inputs, np.ndarray):
        if inputs.ndim == 4:
            return list(inputs)
        return [inputs]
    if isinstance(inputs, (list, tuple)):
        items = list(inputs)
        for position, item in enumerate(items):
            if not isinstance(item, (str, np.ndarray)):
                raise TypeError(f'input {position} is a '
                                f'{type(item).__name__}; expected an image '
                                'file path or a numpy array')
        return items
    raise TypeError(f'inputs must be a path, a folder, a numpy array or a '
                    f'list of them, got {type(inputs).__name__}')


def check_bgr_array(img: np.ndarray, position: int) -> np.ndarray:
    """Check that an array is an image as ``cv2.imread`` returns it.

    Args:
        img (ndarray): H x W x 3 uint8, BGR channel order.
        position (int): Its index among the inputs, for the message.
    """
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(
            f'input {position}: expected an H x W x 3 uint8 BGR image as '
            f'cv2.imread returns, got dtype {img.dtype} and shape '
            f'{img.shape}')
    return img
