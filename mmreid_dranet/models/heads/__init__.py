from .bn_classifier import BNClassifier
from .dra_head import DRAHead
from .linear_head import ReIDLinearHead
from .margin_classifier import ArcFaceClassifier, CosFaceClassifier

__all__ = [
    'ArcFaceClassifier', 'BNClassifier', 'CosFaceClassifier', 'DRAHead',
    'ReIDLinearHead'
]
