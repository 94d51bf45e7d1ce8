from .bn_classifier import BNClassifier
from .dra_head import DRAHead
from .linear_head import ReIDLinearHead

__all__ = ['BNClassifier', 'DRAHead', 'ReIDLinearHead']
