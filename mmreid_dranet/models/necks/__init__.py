from .dra_neck import DRANeck, DRANeckOutput
from .dra_part import DRAPartBranch, DRAPartOutput

__all__ = ['DRANeck', 'DRANeckOutput', 'DRAPartBranch', 'DRAPartOutput']
