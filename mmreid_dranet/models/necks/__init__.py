from .bn_neck import BNNeck
from .dra_neck import DRANeck, DRANeckOutput
from .dra_part import DRAPartBranch, DRAPartOutput

__all__ = [
    'BNNeck', 'DRANeck', 'DRANeckOutput', 'DRAPartBranch', 'DRAPartOutput'
]
