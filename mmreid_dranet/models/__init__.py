"""Models of mmreid_dranet; importing this fills the MODELS registry."""
from .backbones import ReIDResNet, convert_resnet_state_dict
from .data_preprocessor import ReIDDataPreprocessor
from .heads import BNClassifier, DRAHead, ReIDLinearHead
from .losses import CenterLoss, LabelSmoothLoss, TripletLoss
from .necks import BNNeck, DRANeck, DRANeckOutput, DRAPartBranch, DRAPartOutput
from .reid import ReIDModel

__all__ = [
    'BNClassifier', 'BNNeck', 'CenterLoss', 'DRAHead', 'DRANeck',
    'DRANeckOutput', 'DRAPartBranch', 'DRAPartOutput', 'LabelSmoothLoss',
    'ReIDDataPreprocessor', 'ReIDLinearHead', 'ReIDModel', 'ReIDResNet',
    'TripletLoss', 'convert_resnet_state_dict'
]
