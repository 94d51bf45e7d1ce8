"""A user's own re-ID data: list files or one folder per identity."""
import os
import os.path as osp
from typing import Dict, List, Optional

from mmreid_dranet.registry import DATASETS
from .base_reid_dataset import IMAGE_EXTENSIONS, BaseReIDDataset, ReIDItem
from .list_file import check_files_exist, read_list_file

PARTS = ('train', 'query', 'gallery')
# Without camera ids every query is camera 0 and every gallery image camera
# 1: the protocol's "same pid and same camera" rule then removes nothing, and
# every gallery image of the query's identity counts as a true match.
DEFAULT_CAMID = dict(train=0, query=0, gallery=1)


@DATASETS.register_module()
class CustomReIDDataset(BaseReIDDataset):
    """Re-ID data laid out by the user, in one of two forms.

    List files (``ann_files`` given): one line per image,
    ``relative/path.jpg pid [camid]``, paths relative to ``data_root``, camid
    0-based. Folders (``ann_files=None``): ``data_root/<part>/<pid>/*.jpg``
    with integer identity folder names.

    Camera ids are optional, but all-or-nothing: given on every line of
    every list, or on none. Without them a query gets camera 0 and a gallery
    image camera 1, so the evaluation's rule "drop gallery images of the same
    pid and the same camera" drops nothing and every gallery image of the
    same identity is a true match. Put the same picture in both query and
    gallery and it will find itself: keep them disjoint.

    Args:
        data_root (str): The folder of the data.
        ann_files (dict, optional): List file per part, e.g.
            ``dict(train='train.txt', query='query.txt',
            gallery='gallery.txt')``, relative to data_root. Only the parts
            of the chosen split are needed. Defaults to None (folders).
        part_folders (dict, optional): Folder per part in the folder form.
            Defaults to ``dict(train='train', query='query',
            gallery='gallery')``.
        dataset_name (str): Name in metainfo. Defaults to 'custom'.
        **kwargs: See :class:`BaseReIDDataset`.
    """

    EXPECTED_LAYOUT = """
list files:  data_root/train.txt, query.txt, gallery.txt (see ann_files),
             lines 'images/0001_a.jpg 1 0' = path pid [camid]
or folders:  data_root/train/<pid>/*.jpg, query/<pid>/*.jpg,
             gallery/<pid>/*.jpg
"""

    def __init__(self,
                 data_root: str,
                 ann_files: Optional[Dict[str, str]] = None,
                 part_folders: Optional[Dict[str, str]] = None,
                 dataset_name: str = 'custom',
                 **kwargs):
        self.ann_files = ann_files
        self.part_folders = part_folders or {part: part for part in PARTS}
        self.DATASET_NAME = dataset_name
        self._camid_given = set()
        super().__init__(data_root=data_root, **kwargs)

    def load_part(self, part: str) -> List[ReIDItem]:
        """Read one part from its list file or its identity folders."""
        if self.ann_files is not None:
            items = self._load_list(part)
        else:
            items = self._load_folders(part)
        return items

    def _load_list(self, part: str) -> List[ReIDItem]:
        if part not in self.ann_files:
            raise ValueError(f'CustomReIDDataset: ann_files has no {part!r} '
                             f'entry (got {sorted(self.ann_files)}).')
        list_path = osp.join(self.data_root, self.ann_files[part])
        if not osp.isfile(list_path):
            raise self.layout_error(f'list file {list_path} does not exist')
        entries = read_list_file(list_path, max_fields=3)
        self._camid_given.update(entry[2] is not None for entry in entries)
        if len(self._camid_given) > 1:
            raise ValueError(
                f'CustomReIDDataset: {list_path} (or another list of this '
                'split) gives a camid on some lines but not on others: give '
                'it on every line or on none.')
        paths = [osp.join(self.data_root, entry[0]) for entry in entries]
        check_files_exist(paths, list_path)
        return [
            ReIDItem(path, pid,
                     DEFAULT_CAMID[part] if camid is None else camid)
            for path, (_, pid, camid, _) in zip(paths, entries)
        ]

    def _load_folders(self, part: str) -> List[ReIDItem]:
        root = osp.join(self.data_root, self.part_folders[part])
        if not osp.isdir(root):
            raise self.layout_error(f'folder {root} does not exist')
        items = []
        for entry in sorted(os.scandir(root), key=lambda e: e.name):
            if entry.is_file():
                if entry.name.lower().endswith(IMAGE_EXTENSIONS):
                    raise ValueError(
                        f'CustomReIDDataset: image {entry.path} is not inside '
                        'an identity folder (expected <part>/<pid>/<image>).')
                continue
            if not entry.name.lstrip('-').isdigit():
                raise ValueError(
                    f'CustomReIDDataset: identity folder {entry.path} must be '
                    'named by an integer person id.')
            names = sorted(
                name for name in os.listdir(entry.path)
                if name.lower().endswith(IMAGE_EXTENSIONS))
            items += [
                ReIDItem(
                    osp.join(entry.path, name), int(entry.name),
                    DEFAULT_CAMID[part]) for name in names
            ]
        return items
