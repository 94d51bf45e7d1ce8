"""Models of mmreid_dranet; importing this fills the MODELS registry."""
from .backbones import (IBN, ReIDResNet, ResNetIBN, convert_resnet_state_dict,
                        probe_out_channels)
from .data_preprocessor import ReIDDataPreprocessor
from .heads import (ArcFaceClassifier, BNClassifier, CosFaceClassifier,
                    DRAHead, ReIDLinearHead)
from .losses import CenterLoss, CircleLoss, LabelSmoothLoss, TripletLoss
from .necks import BNNeck, DRANeck, DRANeckOutput, DRAPartBranch, DRAPartOutput
from .reid import ReIDModel

__all__ = [
    'ArcFaceClassifier', 'BNClassifier', 'BNNeck', 'CenterLoss', 'CircleLoss',
    'CosFaceClassifier', 'DRAHead', 'DRANeck', 'DRANeckOutput',
    'DRAPartBranch', 'DRAPartOutput', 'IBN', 'LabelSmoothLoss',
    'ReIDDataPreprocessor', 'ReIDLinearHead', 'ReIDModel', 'ReIDResNet',
    'ResNetIBN', 'TripletLoss', 'convert_resnet_state_dict',
    'probe_out_channels'
]
