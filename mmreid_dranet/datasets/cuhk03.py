"""CUHK03 under the new protocol (CUHK03-NP, 767/700 identities)."""
import os.path as osp
import re
from typing import List

from mmreid_dranet.registry import DATASETS
from .base_reid_dataset import BaseReIDDataset, ReIDItem

SUBSETS = ('labeled', 'detected')


@DATASETS.register_module()
class CUHK03(BaseReIDDataset):
    """CUHK03-NP (Zhong et al., CVPR 2017 re-ranking paper): 767 training and
    700 test identities, 2 cameras, hand-labelled or detected boxes.

    File names are ``{pid}_c{cam}_{index}.png``, e.g. ``0001_c1_1.png``.

    Args:
        data_root (str): The ``cuhk03-np`` folder, holding ``labeled/`` and
            ``detected/``.
        subset (str): 'labeled' or 'detected'. Defaults to 'labeled'.
        **kwargs: See :class:`BaseReIDDataset`.
    """

    DATASET_NAME = 'CUHK03-NP'
    SPLIT_FOLDERS = dict(
        train='bounding_box_train', query='query', gallery='bounding_box_test')
    FILE_PATTERN = re.compile(r'^(?P<pid>\d+)_c(?P<cam>\d+)_\d+\.')
    EXPECTED_LAYOUT = """
data_root/                      e.g. data/cuhk03/cuhk03-np
  labeled/   bounding_box_train/0001_c1_1.png ...  query/  bounding_box_test/
  detected/  bounding_box_train/0001_c1_1.png ...  query/  bounding_box_test/
"""

    def __init__(self, data_root: str, subset: str = 'labeled', **kwargs):
        if subset not in SUBSETS:
            raise ValueError(
                f'CUHK03: subset must be one of {SUBSETS}, got {subset!r}.')
        self.subset = subset
        self.DATASET_NAME = f'CUHK03-NP-{subset}'
        super().__init__(data_root=data_root, **kwargs)

    def load_part(self, part: str) -> List[ReIDItem]:
        """Read ``data_root/<subset>/<part folder>``."""
        return self.scan_folder(
            osp.join(self.data_root, self.subset, self.SPLIT_FOLDERS[part]))
