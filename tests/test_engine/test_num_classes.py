"""resolve_num_classes: one order of sources for the runner, test.py and
init_model; num_classes_from_checkpoint reads meta or classifier rows."""
import pytest
import torch
from mmengine.config import Config

from mmreid_dranet.engine.num_classes import resolve_num_classes
from mmreid_dranet.utils.checkpoint import num_classes_from_checkpoint


def _checkpoint(path, num_ids=None, rows=None):
    checkpoint = dict(state_dict={})
    if num_ids is not None:
        checkpoint['meta'] = dict(dataset_meta=dict(num_ids=num_ids))
    if rows is not None:
        checkpoint['state_dict']['head.classifier.fc.weight'] = torch.zeros(
            rows, 4)
    torch.save(checkpoint, str(path))
    return str(path)


def _config(synthetic_root=None, **model):
    cfg = Config(dict(model=dict(type='ReIDModel', **model)))
    if synthetic_root is not None:
        cfg.train_cfg = dict(max_epochs=1)
        cfg.train_dataloader = dict(dataset=dict(
            type='Market1501', data_root=synthetic_root, split='train'))
    return cfg


def test_checkpoint_count_comes_from_meta_then_classifier(tmp_path):
    assert num_classes_from_checkpoint(
        _checkpoint(tmp_path / 'meta.pth', num_ids=7, rows=3)) == 7
    assert num_classes_from_checkpoint(
        _checkpoint(tmp_path / 'rows.pth', rows=3)) == 3
    assert num_classes_from_checkpoint(
        _checkpoint(tmp_path / 'none.pth')) is None
    assert num_classes_from_checkpoint(
        dict(state_dict={'neck.identity_conv.weight': torch.zeros(5, 2)})) \
        == 5
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        num_classes_from_checkpoint(str(tmp_path / 'missing.pth'))


def test_order_of_sources(tmp_path, synthetic_market_root):
    checkpoint = _checkpoint(tmp_path / 'c.pth', num_ids=11)
    # 1. The config's own value wins over everything.
    assert resolve_num_classes(_config(num_classes=4), checkpoint) == 4
    # 2. A given checkpoint wins over the training data on the machine.
    training = _config(synthetic_market_root)
    assert resolve_num_classes(training, checkpoint) == 11
    # 3. A training config counts its training split (8 identities).
    training.load_from = checkpoint
    assert resolve_num_classes(training) == 8
    # ... unless the run's own sources are off (init_model, test.py).
    assert resolve_num_classes(training, read_run_sources=False,
                               default=2) == 2
    # 4. A config that only tests reads its load_from.
    testing = _config()
    testing.load_from = checkpoint
    assert resolve_num_classes(testing) == 11
    assert resolve_num_classes(_config()) is None
    assert 'num_classes' not in training.model  # the config is not changed
