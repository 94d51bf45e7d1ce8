"""MSMT17, as downloaded (``MSMT17_V1`` or ``MSMT17_V2``)."""
import os.path as osp
import re
from typing import List

from mmreid_dranet.registry import DATASETS
from .base_reid_dataset import BaseReIDDataset, ReIDItem
from .list_file import check_files_exist, read_list_file

IMAGE_FOLDERS = dict(
    v1=dict(train='train', test='test'),
    v2=dict(train='mask_train_v2', test='mask_test_v2'))
LAYOUTS = ('auto', 'v1', 'v2')


@DATASETS.register_module()
class MSMT17(BaseReIDDataset):
    """MSMT17 (Wei et al., CVPR 2018): 1041 training identities, 3060 test
    identities, 15 cameras.

    The splits come from the list files (``list_train.txt``,
    ``list_val.txt``, ``list_query.txt``, ``list_gallery.txt``), whose lines
    read ``0000/0000_000_01_0303morning_0015_0.jpg 0``: the pid is the list's
    label, the camera the third field of the file name.

    Args:
        data_root (str): The ``MSMT17_V1`` or ``MSMT17_V2`` folder.
        layout (str): 'v1' (``train/``, ``test/`` image folders), 'v2'
            (``mask_train_v2/``, ``mask_test_v2/``) or 'auto' (whichever
            exists). Defaults to 'auto'.
        merge_val (bool): Train on ``list_train.txt`` + ``list_val.txt``
            (32621 images), as is usual. Defaults to True.
        **kwargs: See :class:`BaseReIDDataset`.
    """

    DATASET_NAME = 'MSMT17'
    FILE_PATTERN = re.compile(r'^(?P<pid>\d+)_\d+_(?P<cam>\d+)_')
    EXPECTED_LAYOUT = """
data_root/                      e.g. data/msmt17/MSMT17_V1
  list_train.txt  list_val.txt  list_query.txt  list_gallery.txt
  train/0000/0000_000_01_0303morning_0015_0.jpg ...  (v2: mask_train_v2/)
  test/0000/0000_000_01_0303morning_0016_0.jpg ...   (v2: mask_test_v2/)
"""

    def __init__(self,
                 data_root: str,
                 layout: str = 'auto',
                 merge_val: bool = True,
                 **kwargs):
        if layout not in LAYOUTS:
            raise ValueError(
                f'MSMT17: layout must be one of {LAYOUTS}, got {layout!r}.')
        self.layout = layout
        self.merge_val = merge_val
        super().__init__(data_root=data_root, **kwargs)

    def _image_folders(self) -> dict:
        layouts = ('v1', 'v2') if self.layout == 'auto' else (self.layout, )
        for name in layouts:
            folders = {
                key: osp.join(self.data_root, folder)
                for key, folder in IMAGE_FOLDERS[name].items()
            }
            if all(osp.isdir(folder) for folder in folders.values()):
                return folders
        wanted = ' or '.join(
            f'{IMAGE_FOLDERS[name]["train"]}/ + {IMAGE_FOLDERS[name]["test"]}/'
            for name in layouts)
        raise self.layout_error(
            f'no image folders {wanted} under {self.data_root}')

    def load_part(self, part: str) -> List[ReIDItem]:
        """Read the list file(s) of one part."""
        folders = self._image_folders()
        list_names = dict(
            train=['list_train.txt'] + (['list_val.txt']
                                        if self.merge_val else []),
            query=['list_query.txt'],
            gallery=['list_gallery.txt'])[part]
        image_folder = folders['train' if part == 'train' else 'test']
        items = []
        for list_name in list_names:
            list_path = osp.join(self.data_root, list_name)
            if not osp.isfile(list_path):
                raise self.layout_error(
                    f'list file {list_path} does not exist')
            entries = read_list_file(list_path)
            paths = [osp.join(image_folder, entry[0]) for entry in entries]
            check_files_exist(paths, list_path)
            items += [
                ReIDItem(path, pid, self.parse_file_name(path).camid)
                for path, (_, pid, _, _) in zip(paths, entries)
            ]
        return items
