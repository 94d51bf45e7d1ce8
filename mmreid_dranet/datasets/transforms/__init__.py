# mmcv's transforms (LoadImageFromFile, Resize, RandomFlip, ...) register in
# mmengine's root registry, the parent of ours: import them so that configs
# of the mmreid_dranet scope find them by their plain names.
import mmcv.transforms  # noqa: F401

from .loading import StrictLoadImageFromFile

__all__ = ['StrictLoadImageFromFile']
