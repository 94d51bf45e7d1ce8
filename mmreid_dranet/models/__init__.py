"""Models of mmreid_dranet; importing this fills the MODELS registry."""
from .backbones import ReIDResNet, convert_resnet_state_dict
from .data_preprocessor import ReIDDataPreprocessor
from .heads import BNClassifier, DRAHead, ReIDLinearHead
from .necks import DRANeck, DRANeckOutput, DRAPartBranch, DRAPartOutput
from .reid import ReIDModel

__all__ = [
    'BNClassifier', 'DRAHead', 'DRANeck', 'DRANeckOutput', 'DRAPartBranch',
    'DRAPartOutput', 'ReIDDataPreprocessor', 'ReIDLinearHead', 'ReIDModel',
    'ReIDResNet', 'convert_resnet_state_dict'
]
