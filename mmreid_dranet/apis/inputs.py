"""What the inferencer accepts: image files, folders and cv2 arrays."""
import os
import os.path as osp
from typing import List, Sequence, Union

import numpy as np

# Files of a folder that are embedded; others (e.g. Thumbs.db, which
# Market-1501 ships) are not images and are left out of the listing.
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif',
                    '.tiff', '.ppm', '.pgm')

ImageInput = Union[str, np.ndarray]


def list_images(folder: str, recursive: bool = False) -> List[str]:
    """The image files of a folder, sorted by path.

    Args:
        folder (str): An existing folder.
        recursive (bool): Also list sub-folders. Defaults to False.

    Returns:
        list[str]: Paths (``folder`` joined with the relative name).
    """
    if not osp.isdir(folder):
        raise FileNotFoundError(f'image folder not found: {folder!r}')
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        found.extend(
            osp.join(root, name) for name in files
            if name.lower().endswith(IMAGE_EXTENSIONS))
        if not recursive:
            break
    return sorted(found)


def inputs_to_list(inputs: Union[ImageInput, Sequence[ImageInput]],
                   recursive: bool = False) -> List[ImageInput]:
    """Flatten the inferencer's inputs into a list of files and arrays.

    Args:
        inputs: An image file, a folder, an H x W x 3 uint8 BGR array (as
            ``cv2.imread`` returns), an N x H x W x 3 stack of them, or a
            list of files and arrays.
        recursive (bool): For folders: also list sub-folders.

    Returns:
        list[str | ndarray]: One item per image.
    """
    if isinstance(inputs, str):
        if osp.isdir(inputs):
            images = list_images(inputs, recursive)
            if not images:
                raise FileNotFoundError(
                    f'no image files ({", ".join(IMAGE_EXTENSIONS)}) in '
                    f'{inputs!r}')
            return images
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
