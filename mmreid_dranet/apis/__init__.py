"""Use a trained model: embed images or a frame's boxes, search a gallery
(with a calibrated threshold), export to ONNX, OpenVINO or TorchScript."""
from .frame_crops import embed_boxes
from .gallery import ReIDGallery, SearchResult
from .inferencer import BadImageError, PairVerdict, ReIDInferencer
from .model import CheckpointMismatchError, init_model
from .model_index import get_config_path, list_models
from .threshold import DistanceThreshold

__all__ = [
    'ReIDInferencer', 'ReIDGallery', 'SearchResult', 'init_model',
    'list_models', 'get_config_path', 'BadImageError',
    'CheckpointMismatchError', 'DistanceThreshold', 'PairVerdict',
    'embed_boxes'
]
