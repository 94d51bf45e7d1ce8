"""The logic every re-ID data set shares: splits, labels, checks, metainfo."""
import os
import os.path as osp
import re
import warnings
from typing import List, NamedTuple, Optional, Sequence

from mmengine.dataset import BaseDataset

from mmreid_dranet.registry import TRANSFORMS
from .image_integrity import SKIP_HINT, check_image_file

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp')
EVAL_PARTS = ('query', 'gallery')
SPLITS = ('train', 'query', 'gallery', 'test')
IMAGE_CHECKS = ('on_load', 'raise', 'skip')
BAD_NAME_ACTIONS = ('raise', 'collect')


class ReIDItem(NamedTuple):
    """One image of a split as found on disk.

    ``pid_name`` is the identity's own name where the data names its
    identities (e.g. a folder ``alice/``); '' where the integer pid is all.
    """
    img_path: str
    pid: int
    camid: int
    pid_name: str = ''


class DataLayoutError(FileNotFoundError):
    """A data root or split folder/file that is missing."""


class BaseReIDDataset(BaseDataset):
    """Base class of the person re-identification data sets.

    Subclasses say where a split lives (``SPLIT_FOLDERS`` and
    ``FILE_PATTERN``, or their own :meth:`load_part`); this class turns the
    parts into data infos:

    - ``img_path`` (str), ``pid`` (int, the data set's own person id) and
      ``camid`` (int, 0-based) on every sample;
    - ``gt_label`` (int) on the train split: contiguous 0..num_ids-1 in sorted
      pid order;
    - ``pid_name`` (str) where the data set names its identities
      (:class:`CustomReIDDataset`);
    - ``is_query`` (bool) on the evaluation splits. ``split='test'`` holds the
      query followed by the gallery, the form the val/test loop evaluates.

    ``metainfo`` holds ``dataset_name``, ``num_ids`` (identities of the
    split, distractors not counted), ``num_cams`` (distinct cameras of the
    split), ``split``, ``cameras_known`` (False where the data gave no
    camera ids) and, for ``split='test'``, ``num_query`` and
    ``num_gallery``.

    Args:
        data_root (str): The folder of the data set, as downloaded.
        split (str): One of 'train', 'query', 'gallery', 'test'.
            Defaults to 'train'.
        pipeline (Sequence[dict | Callable]): The transforms. Defaults to ().
        image_check (str): When to look for corrupt or truncated images:
            'on_load' leaves it to the loading transform
            (``StrictLoadImageFromFile`` raises naming the file); 'raise'
            checks every file now and raises listing the bad ones; 'skip'
            checks every file now and drops the bad ones with a warning that
            names and counts them. Defaults to 'on_load'.
        on_bad_name (str): A file name that does not fit the data set's
            pattern: 'raise' (default) stops with an error naming it;
            'collect' leaves the file out and lists it in ``bad_names``,
            for tools that report every problem at once
            (``tools/misc/check_dataset.py``).
        **kwargs: Other arguments of :class:`mmengine.dataset.BaseDataset`
            (``metainfo``, ``indices``, ``serialize_data``, ``lazy_init``,
            ``test_mode``, ``max_refetch``).
    """

    DATASET_NAME = ''
    # Where each part lives under data_root, and the file name pattern with
    # named groups ``pid`` and ``cam`` (camera number as written, 1-based).
    SPLIT_FOLDERS: dict = {}
    FILE_PATTERN: Optional[re.Pattern] = None
    # Files with JUNK_PID are dropped; DISTRACTOR_PID stays but is not an
    # identity of num_ids. None where the data set has no such convention.
    JUNK_PID: Optional[int] = None
    DISTRACTOR_PID: Optional[int] = None
    EXPECTED_LAYOUT = ''
    # False where the data gave no camera ids and query and gallery were
    # numbered apart (CustomReIDDataset): the protocol then cannot drop
    # same-camera matches.
    cameras_known = True

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 pipeline: Sequence = (),
                 image_check: str = 'on_load',
                 on_bad_name: str = 'raise',
                 **kwargs) -> None:
        if split not in SPLITS:
            raise ValueError(f'{type(self).__name__}: split must be one of '
                             f'{SPLITS}, got {split!r}.')
        if image_check not in IMAGE_CHECKS:
            raise ValueError(f'{type(self).__name__}: image_check must be '
                             f'one of {IMAGE_CHECKS}, got {image_check!r}.')
        if on_bad_name not in BAD_NAME_ACTIONS:
            raise ValueError(f'{type(self).__name__}: on_bad_name must be '
                             f'one of {BAD_NAME_ACTIONS}, got '
                             f'{on_bad_name!r}.')
        self.on_bad_name = on_bad_name
        self.bad_names: List[str] = []
        if not data_root or not osp.isdir(data_root):
            raise self.layout_error(f'data root {data_root!r} is not a folder')
        self.split = split
        self.image_check = image_check
        # Built from our registry, so that plain names (ours, mmcv's) and
        # 'mmpretrain.' names resolve with or without a default scope.
        pipeline = [
            TRANSFORMS.build(t) if isinstance(t, dict) else t
            for t in pipeline
        ]
        # The contract promises absolute image paths.
        super().__init__(
            data_root=osp.abspath(data_root), pipeline=pipeline, **kwargs)

    # -- what a subclass provides -------------------------------------------

    def load_part(self, part: str) -> List[ReIDItem]:
        """Find the images of one part ('train', 'query' or 'gallery').

        The default reads the folder ``SPLIT_FOLDERS[part]`` under data_root
        with ``FILE_PATTERN``.

        Args:
            part (str): 'train', 'query' or 'gallery'.

        Returns:
            list[ReIDItem]: The images with their pid and 0-based camid.
        """
        folder = osp.join(self.data_root, self.SPLIT_FOLDERS[part])
        return self.scan_folder(folder)

    # -- helpers for subclasses ---------------------------------------------

    def layout_error(self, problem: str) -> DataLayoutError:
        """Build an error that names the problem and the expected layout."""
        return DataLayoutError(
            f'{type(self).__name__}: {problem}. Expected layout:\n'
            f'{self.EXPECTED_LAYOUT.strip(chr(10))}')

    def scan_folder(self, folder: str) -> List[ReIDItem]:
        """Read every image file of a folder (not recursive), sorted by name.

        Files without an image extension (``Thumbs.db`` of Market-1501, ...)
        are ignored; an image whose name does not match ``FILE_PATTERN`` is an
        error.

        Args:
            folder (str): The folder.

        Returns:
            list[ReIDItem]: One item per image file.
        """
        if not osp.isdir(folder):
            raise self.layout_error(f'folder {folder} does not exist')
        names = sorted(
            entry.name for entry in os.scandir(folder)
            if entry.is_file() and entry.name.lower().endswith(
                IMAGE_EXTENSIONS))
        items = []
        for name in names:
            try:
                items.append(self.parse_file_name(osp.join(folder, name)))
            except ValueError as error:
                if self.on_bad_name == 'raise':
                    raise
                self.bad_names.append(str(error))
        return items

    def parse_file_name(self, path: str) -> ReIDItem:
        """Read pid and camera from a file name with ``FILE_PATTERN``.

        Args:
            path (str): The image path; only its base name is parsed.

        Returns:
            ReIDItem: The item, with the camera made 0-based.
        """
        match = self.FILE_PATTERN.match(osp.basename(path))
        if match is None:
            raise ValueError(
                f'{type(self).__name__}: file name {path} does not match '
                f'the pattern {self.FILE_PATTERN.pattern!r} of the data set.')
        cam = int(match.group('cam'))
        if cam < 1:
            raise ValueError(f'{type(self).__name__}: file {path} has camera '
                             f'number {cam}; camera numbers start at 1.')
        return ReIDItem(path, int(match.group('pid')), cam - 1)

    # -- the shared logic ---------------------------------------------------

    def load_data_list(self) -> List[dict]:
        """Build the data infos of the split (see the class docstring)."""
        parts = EVAL_PARTS if self.split == 'test' else (self.split, )
        data_list = []
        for part in parts:
            items = [
                item for item in self.load_part(part)
                if item.pid != self.JUNK_PID
            ]
            if self.image_check != 'on_load':
                items = self._drop_corrupt(items)
            if not items:
                raise ValueError(
                    f'{type(self).__name__}: the {part!r} part under '
                    f'{self.data_root} holds no usable images.')
            for item in items:
                info = dict(item._asdict())
                if not info['pid_name']:
                    del info['pid_name']
                if part in EVAL_PARTS:
                    info['is_query'] = part == 'query'
                data_list.append(info)
        if self.split == 'train':
            self._check_several_identities(data_list)
            self._add_train_labels(data_list)
        self._set_metainfo(data_list)
        return data_list

    def _drop_corrupt(self, items: List[ReIDItem]) -> List[ReIDItem]:
        problems = [check_image_file(item.img_path) for item in items]
        bad = [message for message in problems if message is not None]
        if not bad:
            return items
        listing = '\n  '.join(bad)
        if self.image_check == 'raise':
            raise ValueError(f'{type(self).__name__}: {len(bad)} corrupt '
                             f'image(s):\n  {listing}\n{SKIP_HINT}')
        warnings.warn(f'{type(self).__name__}: skipping {len(bad)} corrupt '
                      f'image(s):\n  {listing}')
        return [item for item, msg in zip(items, problems) if msg is None]

    def _check_several_identities(self, data_list: List[dict]) -> None:
        pids = {d['pid'] for d in data_list}
        if len(pids) < 2:
            info = data_list[0]
            name = info.get('pid_name') or info['pid']
            raise ValueError(
                f'{type(self).__name__}: the training split under '
                f'{self.data_root} has a single identity ({name!r}): an '
                'identity classifier needs at least 2. Add the images of '
                'other people, or check that the identities are parsed '
                'as intended.')

    @staticmethod
    def _add_train_labels(data_list: List[dict]) -> None:
        label_of_pid = {
            pid: label
            for label, pid in enumerate(sorted({d['pid'] for d in data_list}))
        }
        for info in data_list:
            info['gt_label'] = label_of_pid[info['pid']]

    def _set_metainfo(self, data_list: List[dict]) -> None:
        pids = {d['pid'] for d in data_list} - {self.DISTRACTOR_PID}
        self._metainfo.update(
            dataset_name=self.DATASET_NAME or type(self).__name__,
            num_ids=len(pids),
            num_cams=len({d['camid'] for d in data_list}),
            split=self.split,
            cameras_known=self.cameras_known)
        if self.split == 'test':
            num_query = sum(d['is_query'] for d in data_list)
            self._metainfo.update(
                num_query=num_query, num_gallery=len(data_list) - num_query)

    def get_cat_ids(self, idx: int) -> List[int]:
        """The training label of a sample, as mmengine's wrappers expect.

        Args:
            idx (int): The sample index.

        Returns:
            list[int]: ``[gt_label]`` (train) or ``[pid]`` (other splits).
        """
        info = self.get_data_info(idx)
        return [info.get('gt_label', info['pid'])]
