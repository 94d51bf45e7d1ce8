"""Models of mmreid_dranet; importing this fills the MODELS registry."""
from .backbones import ReIDResNet, convert_resnet_state_dict
from .heads import BNClassifier, DRAHead, ReIDLinearHead
from .necks import DRANeck, DRANeckOutput, DRAPartBranch, DRAPartOutput
from .reid import ReIDModel

__all__ = [
    'BNClassifier', 'DRAHead', 'DRANeck', 'DRANeckOutput', 'DRAPartBranch',
    'DRAPartOutput', 'ReIDLinearHead', 'ReIDModel', 'ReIDResNet',
    'convert_resnet_state_dict'
]
