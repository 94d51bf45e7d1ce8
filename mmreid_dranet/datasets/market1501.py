"""Market-1501, as downloaded (``Market-1501-v15.09.15``)."""
import re

from mmreid_dranet.registry import DATASETS
from .base_reid_dataset import BaseReIDDataset


@DATASETS.register_module()
class Market1501(BaseReIDDataset):
    """Market-1501 (Zheng et al., ICCV 2015): 751 training identities,
    750 test identities, 6 cameras.

    File names are ``{pid}_c{cam}s{seq}_{frame}_{box}.jpg``, e.g.
    ``0002_c1s1_000451_03.jpg``. Junk images (pid -1) are dropped; the
    distractors (pid 0) stay in the gallery, where the protocol counts them
    as wrong matches. See :class:`BaseReIDDataset` for the arguments.
    """

    DATASET_NAME = 'Market-1501'
    SPLIT_FOLDERS = dict(
        train='bounding_box_train', query='query', gallery='bounding_box_test')
    # What follows the pid: camera, sequence, frame, box. CustomReIDDataset
    # reads the camera of files named this way behind any identity prefix.
    NAME_AFTER_PID = r'_c(?P<cam>\d+)s\d+_\d+_\d+\.'
    FILE_PATTERN = re.compile(r'^(?P<pid>-?\d+)' + NAME_AFTER_PID)
    JUNK_PID = -1
    DISTRACTOR_PID = 0
    EXPECTED_LAYOUT = """
data_root/                      e.g. data/market1501/Market-1501-v15.09.15
  bounding_box_train/0002_c1s1_000451_03.jpg ...
  query/0001_c1s1_001051_00.jpg ...
  bounding_box_test/0000_c1s1_000151_01.jpg ...
"""
