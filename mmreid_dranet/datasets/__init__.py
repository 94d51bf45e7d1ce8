from .base_reid_dataset import BaseReIDDataset, DataLayoutError, ReIDItem
from .cuhk03 import CUHK03
from .custom import CustomReIDDataset
from .dukemtmc import DukeMTMCReID
from .image_integrity import CorruptImageError
from .joint import JointReIDDataset
from .market1501 import Market1501
from .msmt17 import MSMT17
from .samplers import IdentityBalancedSampler
from .synthetic import SyntheticReIDConfig, make_synthetic_market
from .transforms import StrictLoadImageFromFile

__all__ = [
    'BaseReIDDataset', 'DataLayoutError', 'ReIDItem', 'CorruptImageError',
    'Market1501', 'DukeMTMCReID', 'CUHK03', 'MSMT17', 'CustomReIDDataset',
    'JointReIDDataset',
    'IdentityBalancedSampler', 'StrictLoadImageFromFile',
    'SyntheticReIDConfig', 'make_synthetic_market'
]
