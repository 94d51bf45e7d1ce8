from .out_channels import last_output, probe_out_channels
from .reid_resnet import ReIDResNet, convert_resnet_state_dict

__all__ = [
    'ReIDResNet', 'convert_resnet_state_dict', 'last_output',
    'probe_out_channels'
]
