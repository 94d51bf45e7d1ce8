"""Use a trained model: embed images or a frame's boxes, search a gallery,
export to ONNX."""
from .frame_crops import embed_boxes
from .gallery import ReIDGallery, SearchResult
from .inferencer import BadImageError, ReIDInferencer
from .model import CheckpointMismatchError, init_model
from .model_index import get_config_path, list_models

__all__ = [
    'ReIDInferencer', 'ReIDGallery', 'SearchResult', 'init_model',
    'list_models', 'get_config_path', 'BadImageError',
    'CheckpointMismatchError', 'embed_boxes'
]
