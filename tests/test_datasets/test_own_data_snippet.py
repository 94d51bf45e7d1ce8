"""The own-data config of docs/en/user_guides/datasets.md, as printed,
loads and builds its datasets without a warning."""
import logging
import os.path as osp
import re
import warnings

from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope

from mmreid_dranet.engine import complete_reid_config
from mmreid_dranet.registry import DATASETS
from mmreid_dranet.utils import load_config
from tests.helpers import REPO
from tests.helpers.named_data import named_folders_from_market

PAGE = osp.join(REPO, 'docs', 'en', 'user_guides', 'datasets.md')
SNIPPET_ROOT = 'data/my_people'


def own_data_snippet():
    with open(PAGE, encoding='utf-8') as f:
        page = f.read()
    blocks = re.findall(r'```python\n(.*?)```', page, flags=re.S)
    found = [b for b in blocks if b.startswith('# my_people.py')]
    assert len(found) == 1, 'the own-data config block of datasets.md'
    return found[0]


class WarningRecords(logging.Handler):

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_own_data_snippet_runs_clean(synthetic_market_root, tmp_path,
                                     monkeypatch):
    named_folders_from_market(synthetic_market_root,
                              str(tmp_path / SNIPPET_ROOT))
    snippet = own_data_snippet()
    assert f"'{SNIPPET_ROOT}'" in snippet
    (tmp_path / 'my_people.py').write_text(snippet)
    monkeypatch.chdir(tmp_path)  # the snippet's relative data_root
    handler = WarningRecords()
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            cfg = complete_reid_config(load_config('my_people.py'))
            with DefaultScope.overwrite_default_scope('mmreid_dranet'):
                datasets = {key: DATASETS.build(cfg[key].dataset)
                            for key in ('train_dataloader',
                                        'val_dataloader')}
    finally:
        logger.removeHandler(handler)
    ours = [str(w.message) for w in caught
            if 'mmreid_dranet' in w.filename or 'my_people' in str(
                w.message)]
    assert ours == [] and handler.messages == []
    assert cfg.model.num_classes == datasets['train_dataloader'].metainfo[
        'num_ids']
    test = datasets['val_dataloader']
    assert test.metainfo['split'] == 'test'
    assert test.metainfo['cameras_known'] is True
    assert test.metainfo['dataset_name'] == 'custom'
