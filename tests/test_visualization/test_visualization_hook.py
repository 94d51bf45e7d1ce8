"""ReIDVisualizationHook in mmengine's Runner: the metric's numbers do not
change, the ranked lists reach the visualizer's backends or --show-dir."""
import os.path as osp
import warnings

import cv2
import pytest

from mmreid_dranet.engine import ReIDVisualizationHook
from mmreid_dranet.evaluation import (ReIDMetric, evaluate_reid, load_features,
                                      take_rankings)
from mmreid_dranet.utils import (build_runner, configure_device, load_config,
                                 set_data_root)
from tests.helpers import TINY_CONFIG
from tests.helpers.tiny_model import save_tiny_checkpoint


def _test_runner(root, checkpoint, work_dir, hook, dump_path):
    cfg = load_config(TINY_CONFIG)
    set_data_root(cfg, root)
    configure_device(cfg, launcher='none')
    cfg.work_dir = str(work_dir)
    cfg.load_from = checkpoint
    cfg.model.num_classes = 8
    cfg.experiment_name = f'hook_test_{osp.basename(str(work_dir))}'
    cfg.default_hooks.visualization.update(hook)
    cfg.test_evaluator = [
        cfg.test_evaluator,
        dict(type='DumpReIDEmbeddings', out_file=dump_path)
    ]
    return build_runner(cfg)


def test_hook_draws_through_the_visualizer_without_changing_numbers(
        synthetic_market_root, tmp_path):
    checkpoint = save_tiny_checkpoint(str(tmp_path / 'tiny.pth'))
    dump = str(tmp_path / 'feats.npz')
    runner = _test_runner(synthetic_market_root, checkpoint,
                          tmp_path / 'drawn',
                          dict(enable=True, topk=4, num_queries=2), dump)
    metric = runner.test_loop.evaluator.metrics[0]
    assert isinstance(metric, ReIDMetric)
    attributes = dict(vars(metric))
    drawn = runner.test()
    # The hook set and cleared nothing on the metric: the same attributes,
    # the same values (the records list aside, emptied by the evaluation).
    assert vars(metric).keys() == attributes.keys()
    assert all(vars(metric)[k] is v for k, v in attributes.items()
               if k != 'results')
    assert not hasattr(metric, 'keep_ranking')
    assert not hasattr(metric, 'last_ranking')
    # The drawn ranking was taken from the message hub: nothing held.
    assert take_rankings() == {}
    # The numbers of the same embeddings without metric, hook or visualizer.
    saved = load_features(dump)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        plain = evaluate_reid(saved['query_feats'], saved['gallery_feats'],
                              saved['query_pids'], saved['gallery_pids'],
                              saved['query_camids'],
                              saved['gallery_camids']).metrics
    assert drawn == {f'reid/{k}': plain[k]
                     for k in ('mAP', 'R1', 'R5', 'R10', 'mINP')}
    # No out_dir: the pictures went to the config's LocalVisBackend.
    stored = sorted((tmp_path / 'drawn').glob('*/vis_data/vis_image/*.png'))
    names = [p.name for p in stored]
    assert len(names) == 4, names
    assert sum(n.startswith('worst_00') for n in names) == 2
    assert all(n.endswith('_0.png') for n in names)  # step 0 of a test
    picture = cv2.imread(str(stored[0]))
    # query + 4 results at the default layout
    assert picture.shape[1] == 5 * (64 + 8 + 4) + 4 + 8


def test_hook_refuses_bad_values():
    with pytest.raises(ValueError, match='topk must be a positive int'):
        ReIDVisualizationHook(topk=0)


def test_hook_draws_each_validation_into_its_step_folder(
        synthetic_market_root, tmp_path):
    cfg = load_config(TINY_CONFIG)
    set_data_root(cfg, synthetic_market_root)
    configure_device(cfg, launcher='none')
    cfg.work_dir = str(tmp_path / 'train')
    cfg.experiment_name = 'hook_val_test'
    cfg.model.num_classes = 8
    cfg.default_hooks.visualization.update(
        enable=True, topk=3, num_queries=1, out_dir=str(tmp_path / 'vis'))
    # The validation loop alone (as in training, at epoch 0): no training
    # needed to check the hook's validation path.
    build_runner(cfg).val()
    drawn = sorted(p.name for p in (tmp_path / 'vis' / '0').glob('*.png'))
    assert len(drawn) == 2
    assert drawn[0].startswith('best_000_') and drawn[1].startswith(
        'worst_000_')
