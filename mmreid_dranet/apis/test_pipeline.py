"""The config's test pipeline for single images, split after its loader.

Used by :class:`~mmreid_dranet.apis.ReIDInferencer` and the ONNX export,
so both preprocess an image exactly as ``tools/test.py`` does.
"""
import numpy as np
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import DefaultScope

from .inputs import check_bgr_array
from .model import DEFAULT_SCOPE


class BadImageError(ValueError):
    """An input image that cannot be read or decoded."""


class TestPipeline:
    """The config's test pipeline, split after its image loading step.

    Files go through the whole pipeline (the very loader ``tools/test.py``
    uses, e.g. :class:`StrictLoadImageFromFile`); arrays skip the loader
    and enter the rest with the keys the loader would have set.

    Args:
        cfg (Config): A config with ``test_dataloader.dataset.pipeline``.
    """

    def __init__(self, cfg: Config):
        from mmreid_dranet.registry import TRANSFORMS
        steps = test_pipeline_cfg(cfg)
        if not steps or not str(steps[0].get('type', '')).endswith(
                'LoadImageFromFile'):
            raise ValueError(
                'the test pipeline must start with an image loading step '
                '(StrictLoadImageFromFile or LoadImageFromFile), got '
                f'{steps[:1]}')
        with DefaultScope.overwrite_default_scope(
                cfg.get('default_scope', DEFAULT_SCOPE)):
            built = [TRANSFORMS.build(step) for step in steps]
        self.load = built[0]
        self.transform = Compose(built[1:])

    def from_file(self, path: str) -> dict:
        """Load and transform one image file. Raises
        :class:`BadImageError` naming the file when it cannot be read."""
        try:
            results = self.load(dict(img_path=path))
        except Exception as error:  # the loader's own error, re-typed
            raise BadImageError(f'cannot read image {path!r}: '
                                f'{str(error).rstrip(".")}') from error
        if results is None:
            raise BadImageError(f'cannot read image {path!r}')
        return self.transform(results)

    def from_array(self, img: np.ndarray, position: int) -> dict:
        """Transform one H x W x 3 uint8 BGR array."""
        img = check_bgr_array(img, position)
        return self.transform(
            dict(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2]))


def test_pipeline_cfg(cfg: Config) -> list:
    """``test_dataloader.dataset.pipeline``, following dataset wrappers."""
    dataset = (cfg.get('test_dataloader') or {}).get('dataset') or {}
    while 'pipeline' not in dataset:
        inner = dataset.get('dataset') or (dataset.get('datasets') or
                                           [None])[0]
        if not isinstance(inner, dict):
            raise KeyError('the config has no test_dataloader.dataset.'
                           'pipeline to preprocess images with')
        dataset = inner
    return list(dataset['pipeline'])
