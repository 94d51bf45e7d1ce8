"""mmreid_dranet.apis.test_pipeline: the config's test pipeline for single
images (shared by the inferencer and the ONNX export)."""
import numpy as np
import pytest
from mmengine.config import Config

# The module by another name: pytest would collect its `test_*` function.
from mmreid_dranet.apis import test_pipeline as pipeline_module
from mmreid_dranet.utils import load_config
from tests.helpers import TINY_CONFIG

STEPS = [dict(type='StrictLoadImageFromFile'),
         dict(type='Resize', scale=(16, 32))]


def test_steps_are_found_through_dataset_wrappers():
    for dataset in (dict(pipeline=STEPS),
                    dict(type='RepeatDataset', dataset=dict(pipeline=STEPS)),
                    dict(type='JointReIDDataset',
                         datasets=[dict(pipeline=STEPS),
                                   dict(pipeline=STEPS[:1])])):
        cfg = Config(dict(test_dataloader=dict(dataset=dataset)))
        assert pipeline_module.test_pipeline_cfg(cfg) == STEPS


def test_config_without_a_test_pipeline_is_named():
    cfg = Config(dict(test_dataloader=dict(dataset=dict(type='X'))))
    with pytest.raises(KeyError, match='no test_dataloader.dataset.pipeline'):
        pipeline_module.test_pipeline_cfg(cfg)


def test_pipeline_must_start_with_a_loader():
    cfg = Config(dict(test_dataloader=dict(dataset=dict(
        pipeline=STEPS[1:]))))
    with pytest.raises(ValueError, match='must start with an image loading'):
        pipeline_module.TestPipeline(cfg)


def test_file_and_array_give_the_same_input(tmp_path, write_image):
    pipeline = pipeline_module.TestPipeline(load_config(TINY_CONFIG))
    path = str(tmp_path / 'person.png')  # lossless: the same pixels back
    pixels = write_image(path, height=40, width=20)
    from_file = pipeline.from_file(path)
    from_array = pipeline.from_array(pixels, position=0)
    assert from_file['inputs'].shape == (3, 128, 64)
    assert np.array_equal(from_file['inputs'].numpy(),
                          from_array['inputs'].numpy())


def test_unreadable_file_is_named(tmp_path):
    pipeline = pipeline_module.TestPipeline(load_config(TINY_CONFIG))
    broken = tmp_path / 'broken.jpg'
    broken.write_bytes(b'not an image')
    with pytest.raises(pipeline_module.BadImageError, match='broken.jpg'):
        pipeline.from_file(str(broken))
