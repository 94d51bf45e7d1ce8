"""A user's own re-ID data: list files or one folder per identity."""
import os
import os.path as osp
import warnings
from typing import Dict, List, Optional, Tuple

from mmreid_dranet.registry import DATASETS
from .base_reid_dataset import (EVAL_PARTS, IMAGE_EXTENSIONS, BaseReIDDataset,
                                ReIDItem)
from .camera_ids import (AUTO, CameraPattern, camera_ids_from_names,
                         compile_camera_pattern)
from .list_file import check_files_exist, read_list_file

PARTS = ('train', 'query', 'gallery')
# Without camera ids every query is camera 0 and every gallery image camera
# 1: the protocol's "same pid and same camera" rule then removes nothing, and
# every gallery image of the query's identity counts as a true match
# (metainfo['cameras_known'] is False, and the tools and the metric warn).
DEFAULT_CAMID = dict(train=0, query=0, gallery=1)


@DATASETS.register_module()
class CustomReIDDataset(BaseReIDDataset):
    r"""Re-ID data laid out by the user, in one of two forms.

    List files (``ann_files`` given): one line per image,
    ``relative/path.jpg identity [camid]``, paths relative to ``data_root``,
    camid 0-based. Folders (``ann_files=None``):
    ``data_root/<part>/<identity>/*.jpg``.

    Identities are integers (``0001``: pid 1, as before) or names
    (``alice``, ``0001_a``). As soon as one identity of the data set is not
    an integer, every identity is a name: the names of all parts found on
    disk (train, query, gallery) are sorted, and pid is the position in
    that list. The mapping is thus the same for every split and every DDP
    rank, training labels follow sorted-name order, and each sample keeps
    its name as ``pid_name`` (written to ``tools/test.py --out``).

    Camera ids come from a list's third column (given on every line of
    every list, or on none), else from the file names (``camera_pattern``):
    by default the Market-1501 (``0002_c1s1_000451_03.jpg``) and
    DukeMTMC-reID (``0001_c2_f0046182.jpg``) forms are tried, behind any
    prefix (``alice_c1s1_000451_03.jpg``); once a form fits a file of the
    split, every file of the split must fit it (an error names one that
    does not). Train is one split; query and gallery are read together.
    Without camera ids a query gets camera 0 and a gallery image camera 1,
    so the evaluation's rule "drop gallery images of the same pid and the
    same camera" drops nothing and every gallery image of the same identity
    is a true match (near-duplicate frames of one camera included):
    ``metainfo['cameras_known']`` is False, and ``check_dataset.py`` and
    ``ReIDMetric`` warn. Put the same picture in both query and gallery and
    it will find itself: keep them disjoint.

    Problems are named, never skipped silently: an image outside an identity
    folder, or an image listed twice with different identities, is an error;
    an identity folder without images, a non-image file among the identity
    folders, or an image listed twice with the same identity, a warning.

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
        camera_pattern (str, optional): How to read camera ids from file
            names where no list column gives them: ``'auto'`` (default) tries
            the Market-1501 and DukeMTMC-reID forms and reads no camera if
            no file name fits; a regular expression searched in each base
            name, whose one group (or group named ``cam``) is the camera,
            e.g. ``r'_c(\d+)_'`` (every file must fit); None reads no
            camera from the names.
        **kwargs: See :class:`BaseReIDDataset`.
    """

    EXPECTED_LAYOUT = """
list files:  data_root/train.txt, query.txt, gallery.txt (see ann_files),
             lines 'images/0001_a.jpg 1 0' = path identity [camid]
or folders:  data_root/train/<identity>/*.jpg, query/<identity>/*.jpg,
             gallery/<identity>/*.jpg   (identity: an integer or a name)
cameras:     the list's camid, or file names such as
             alice/0002_c1s1_000451_03.jpg (see camera_pattern)
"""

    def __init__(self,
                 data_root: str,
                 ann_files: Optional[Dict[str, str]] = None,
                 part_folders: Optional[Dict[str, str]] = None,
                 dataset_name: str = 'custom',
                 camera_pattern: CameraPattern = AUTO,
                 **kwargs):
        self.ann_files = ann_files
        self.camera_pattern = compile_camera_pattern(camera_pattern)
        self._camid_of_path: Optional[Dict[str, int]] = None
        self.part_folders = part_folders or {part: part for part in PARTS}
        self.DATASET_NAME = dataset_name
        self._camid_given = set()
        self._raw_parts: Dict[str, List[RawItem]] = {}
        self._pid_of_name: Optional[Dict[str, int]] = None
        super().__init__(data_root=data_root, **kwargs)

    def load_part(self, part: str) -> List[ReIDItem]:
        """Read one part from its list file or its identity folders."""
        pid_of_name = self._identity_numbers()
        camid_of_path = self._split_camera_ids()
        items = []
        for path, identity, camid in self._raw_part(part):
            if camid is None:
                camid = camid_of_path.get(path, DEFAULT_CAMID[part])
            if pid_of_name is None:
                items.append(ReIDItem(path, int(identity), camid))
            else:
                items.append(
                    ReIDItem(path, pid_of_name[identity], camid, identity))
        return items

    def _identity_numbers(self) -> Optional[Dict[str, int]]:
        """Name -> pid over every part on disk, or None if all identities
        are integers."""
        if self._pid_of_name is None:
            names = set()
            for part in PARTS:
                if self._part_exists(part):
                    names.update(raw[1] for raw in self._raw_part(part))
            if all(_is_integer(name) for name in names):
                self._pid_of_name = {}
            else:
                self._pid_of_name = {
                    name: pid
                    for pid, name in enumerate(sorted(names))
                }
        return self._pid_of_name or None

    def _split_camera_ids(self) -> Dict[str, int]:
        """Camera id per image path of the split, from the file names, where
        no list column gives them; sets ``cameras_known``.

        Query and gallery are one split here, whichever of them (or both)
        is built, so that every tool sees the same cameras.
        """
        if self._camid_of_path is not None:
            return self._camid_of_path
        parts = ('train', ) if self.split == 'train' else tuple(
            p for p in EVAL_PARTS if p == self.split or self._part_exists(p))
        raw = [item for part in parts for item in self._raw_part(part)]
        if any(item[2] is not None for item in raw):
            if self.camera_pattern not in (None, AUTO):
                raise ValueError(
                    'CustomReIDDataset: the list files give a camid column '
                    f'and camera_pattern={self.camera_pattern.pattern!r} '
                    'asks to read cameras from the file names: keep one.')
            self._camid_of_path = {}
            return self._camid_of_path
        paths = [item[0] for item in raw]
        try:
            camids = camera_ids_from_names(paths, self.camera_pattern)
        except ValueError as error:
            raise ValueError(f'CustomReIDDataset: {error}') from None
        self.cameras_known = camids is not None
        self._camid_of_path = dict(zip(paths, camids or []))
        return self._camid_of_path

    def _part_exists(self, part: str) -> bool:
        if self.ann_files is not None:
            return part in self.ann_files and osp.isfile(
                osp.join(self.data_root, self.ann_files[part]))
        return osp.isdir(osp.join(self.data_root, self.part_folders[part]))

    def _raw_part(self, part: str) -> List['RawItem']:
        if part not in self._raw_parts:
            self._raw_parts[part] = self._read_list(part) if \
                self.ann_files is not None else self._read_folders(part)
        return self._raw_parts[part]

    def _read_list(self, part: str) -> List['RawItem']:
        if part not in self.ann_files:
            raise ValueError(f'CustomReIDDataset: ann_files has no {part!r} '
                             f'entry (got {sorted(self.ann_files)}).')
        list_path = osp.join(self.data_root, self.ann_files[part])
        if not osp.isfile(list_path):
            raise self.layout_error(f'list file {list_path} does not exist')
        entries = read_list_file(list_path, max_fields=3, named_ids=True)
        self._camid_given.update(entry[2] is not None for entry in entries)
        if len(self._camid_given) > 1:
            raise ValueError(
                f'CustomReIDDataset: {list_path} (or another list of this '
                'split) gives a camid on some lines but not on others: give '
                'it on every line or on none.')
        paths = [osp.join(self.data_root, entry[0]) for entry in entries]
        check_files_exist(paths, list_path)
        return [(path, identity, camid)
                for path, (_, identity, camid, _) in zip(paths, entries)]

    def _read_folders(self, part: str) -> List['RawItem']:
        root = osp.join(self.data_root, self.part_folders[part])
        if not osp.isdir(root):
            raise self.layout_error(f'folder {root} does not exist')
        items = []
        for entry in sorted(os.scandir(root), key=lambda e: e.name):
            if not entry.is_dir():
                if entry.name.lower().endswith(IMAGE_EXTENSIONS):
                    raise ValueError(
                        f'CustomReIDDataset: image {entry.path} is not inside '
                        'an identity folder (expected <part>/<identity>/'
                        '<image>): move it into the folder of its person.')
                warnings.warn(f'CustomReIDDataset: {entry.path} is not an '
                              'identity folder and is ignored.')
                continue
            names = sorted(
                name for name in os.listdir(entry.path)
                if name.lower().endswith(IMAGE_EXTENSIONS))
            if not names:
                warnings.warn(
                    f'CustomReIDDataset: identity folder {entry.path} holds '
                    f'no images ({", ".join(IMAGE_EXTENSIONS)}); the '
                    'identity is left out. Add its images or remove it.')
            items += [(osp.join(entry.path, name), entry.name, None)
                      for name in names]
        return items


# (image path, identity as written, camid of a list column or None)
RawItem = Tuple[str, str, Optional[int]]


def _is_integer(name) -> bool:
    return isinstance(name, int) or str(name).lstrip('-').isdigit()
