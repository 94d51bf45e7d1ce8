from .out_channels import last_output, probe_out_channels
from .reid_resnet import ReIDResNet, convert_resnet_state_dict
from .resnet_ibn import IBN, RESNET50_IBN_A_URL, ResNetIBN

__all__ = [
    'IBN', 'RESNET50_IBN_A_URL', 'ReIDResNet', 'ResNetIBN',
    'convert_resnet_state_dict', 'last_output', 'probe_out_channels'
]
