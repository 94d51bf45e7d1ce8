from .reid_resnet import ReIDResNet, convert_resnet_state_dict

__all__ = ['ReIDResNet', 'convert_resnet_state_dict']
