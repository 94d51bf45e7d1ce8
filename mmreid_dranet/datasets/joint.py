"""Several re-ID training sets trained on as one, without label collisions."""
import copy
from typing import List, Sequence, Union

from mmengine.dataset import BaseDataset

from mmreid_dranet.registry import DATASETS, TRANSFORMS


@DATASETS.register_module()
class JointReIDDataset(BaseDataset):
    """The training splits of several re-ID data sets, as one data set.

    mmengine's ``ConcatDataset`` would give the first identity of every data
    set the label 0. Here the data sets follow each other, each shifted past
    the ones before it:

    - ``gt_label`` by the identities before it: labels stay contiguous and
      ``num_ids`` is the sum (the model's ``num_classes``);
    - ``pid`` by the largest pid before it plus one, so no two data sets
      share a person id (the sampler and the data check group by it);
    - ``camid`` by the cameras before it (largest camid plus one): camera
      1 of Market-1501 is not camera 1 of DukeMTMC-reID;
    - ``pid_name``, where a data set names its identities, is prefixed with
      the data set's name.

    Every sample also keeps ``source``, the index of its data set. The
    data sets are built without their own pipelines; this data set's
    ``pipeline`` applies to all.

    Args:
        datasets (Sequence[dict | BaseDataset]): The data sets, each of
            split 'train' (configs of registered re-ID data sets, or built
            ones).
        pipeline (Sequence[dict | Callable]): The transforms. Defaults to ().
        **kwargs: Other arguments of :class:`mmengine.dataset.BaseDataset`.
    """

    def __init__(self,
                 datasets: Sequence[Union[dict, BaseDataset]],
                 pipeline: Sequence = (),
                 **kwargs):
        if not datasets:
            raise ValueError('JointReIDDataset: datasets is empty.')
        self.dataset_cfgs = list(datasets)
        pipeline = [
            TRANSFORMS.build(t) if isinstance(t, dict) else t
            for t in pipeline
        ]
        super().__init__(pipeline=pipeline, **kwargs)

    def _build_parts(self) -> List[BaseDataset]:
        parts = []
        for index, cfg in enumerate(self.dataset_cfgs):
            if isinstance(cfg, dict):
                cfg = dict(copy.deepcopy(cfg), pipeline=[])
                cfg.setdefault('split', 'train')
                cfg = DATASETS.build(cfg)
            if cfg.metainfo.get('split', 'train') != 'train':
                raise ValueError(
                    f'JointReIDDataset: datasets[{index}] '
                    f'({type(cfg).__name__}) has split '
                    f"{cfg.metainfo['split']!r}; only training splits are "
                    'joined.')
            parts.append(cfg)
        return parts

    def load_data_list(self) -> List[dict]:
        """The data infos of every data set, shifted as described above."""
        data_list, names = [], []
        label_offset = pid_offset = cam_offset = 0
        num_cams = 0
        for source, dataset in enumerate(self._build_parts()):
            name = dataset.metainfo.get('dataset_name',
                                        type(dataset).__name__)
            infos = [dataset.get_data_info(i) for i in range(len(dataset))]
            for info in infos:
                info.pop('sample_idx', None)
                info['gt_label'] += label_offset
                info['pid'] += pid_offset
                info['camid'] += cam_offset
                info['source'] = source
                if info.get('pid_name'):
                    info['pid_name'] = f"{name}/{info['pid_name']}"
            data_list += infos
            names.append(name)
            label_offset += int(dataset.metainfo['num_ids'])
            pid_offset = max(d['pid'] for d in infos) + 1
            cam_offset = max(d['camid'] for d in infos) + 1
            num_cams += len({d['camid'] for d in infos})
        self._metainfo.update(
            dataset_name='+'.join(names), num_ids=label_offset,
            num_cams=num_cams, split='train', sources=names)
        return data_list
