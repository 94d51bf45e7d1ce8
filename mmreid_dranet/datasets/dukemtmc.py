"""DukeMTMC-reID, as downloaded (``DukeMTMC-reID``)."""
import re

from mmreid_dranet.registry import DATASETS
from .base_reid_dataset import BaseReIDDataset


@DATASETS.register_module()
class DukeMTMCReID(BaseReIDDataset):
    """DukeMTMC-reID (Zheng et al., ICCV 2017): 702 training identities,
    702 test identities plus 408 gallery distractor identities, 8 cameras.

    File names are ``{pid}_c{cam}_f{frame}.jpg``, e.g.
    ``0001_c2_f0046182.jpg``. As for Market-1501, pid -1 is dropped and pid 0
    is kept as a distractor (the released files use neither). See
    :class:`BaseReIDDataset` for the arguments.
    """

    DATASET_NAME = 'DukeMTMC-reID'
    SPLIT_FOLDERS = dict(
        train='bounding_box_train', query='query', gallery='bounding_box_test')
    # What follows the pid (see Market1501.NAME_AFTER_PID).
    NAME_AFTER_PID = r'_c(?P<cam>\d+)_f\d+\.'
    FILE_PATTERN = re.compile(r'^(?P<pid>-?\d+)' + NAME_AFTER_PID)
    JUNK_PID = -1
    DISTRACTOR_PID = 0
    EXPECTED_LAYOUT = """
data_root/                      e.g. data/dukemtmc-reid/DukeMTMC-reID
  bounding_box_train/0001_c2_f0046182.jpg ...
  query/0005_c2_f0046985.jpg ...
  bounding_box_test/0002_c1_f0044158.jpg ...
"""
