"""Image loading that refuses corrupt and truncated files."""
import mmcv
import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmengine import fileio

from mmreid_dranet.registry import TRANSFORMS
from ..image_integrity import CorruptImageError, image_bytes_problem


@TRANSFORMS.register_module()
class StrictLoadImageFromFile(LoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` that raises on a damaged image.

    mmcv's loader returns a half-grey picture for a truncated JPEG (OpenCV
    only prints a warning), and with ``ignore_empty=True`` it returns None,
    which makes the dataset quietly serve another sample. This loader checks
    the file's bytes first (see :mod:`..image_integrity`) and raises a
    :class:`CorruptImageError` naming the file and the ``--cfg-options``
    line that skips such files. Arguments are those of
    ``LoadImageFromFile`` (``to_float32``, ``color_type``,
    ``imdecode_backend``, ``backend_args``); ``ignore_empty`` must stay False.

    Required keys: ``img_path``. Added keys: ``img``, ``img_shape``,
    ``ori_shape``.
    """

    def __init__(self, **kwargs) -> None:
        if kwargs.get('ignore_empty'):
            raise ValueError(
                'StrictLoadImageFromFile: ignore_empty=True would replace a '
                "bad image by another sample; use the dataset's "
                "image_check='skip' to leave bad files out instead.")
        super().__init__(**kwargs)

    def transform(self, results: dict) -> dict:
        """Load ``results['img_path']`` into ``results['img']`` (H x W x 3,
        uint8 BGR by default)."""
        path = results['img_path']
        data = fileio.get(path, backend_args=self.backend_args)
        problem = image_bytes_problem(data)
        img = None
        if problem is None:
            img = mmcv.imfrombytes(
                data, flag=self.color_type, backend=self.imdecode_backend)
            problem = 'the image cannot be decoded' if img is None else None
        if problem is not None:
            raise CorruptImageError.of_file(path, problem)
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results
