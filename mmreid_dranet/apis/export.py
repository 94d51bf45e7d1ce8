"""ONNX export of the inference path (embedding with test_cfg flip / L2).

The graph computes ``ReIDModel.embed``: the same flip averaging and L2
normalisation as ``tools/test.py`` when the config's ``test_cfg`` asks for
them. Its input is either the normalised float tensor the model's data
preprocessor makes (N x 3 x H x W, RGB, (x - mean) / std), or, with
``with_preprocess=True``, the resized uint8 BGR images as OpenCV gives them
(N x H x W x 3): the channel swap and mean/std are then inside the graph.
Resizing stays outside in both cases (``cv2.resize`` to the test pipeline's
size, bilinear, as mmcv's ``Resize`` does), so that any image size works.
"""
import json
import warnings
from typing import List, Sequence, Union

import numpy as np
import torch
import torch.nn as nn

from .test_pipeline import TestPipeline, test_pipeline_cfg

OPSET_VERSION = 17


class EmbeddingGraph(nn.Module):
    """The exported module: (preprocessing +) ``model.embed``.

    Args:
        model (nn.Module): A :class:`ReIDModel` in eval mode.
        with_preprocess (bool): Take N x H x W x 3 uint8 BGR images and
            normalise them in the graph, as the data preprocessor does.
    """

    def __init__(self, model: nn.Module, with_preprocess: bool = False):
        super().__init__()
        self.model = model
        self.with_preprocess = with_preprocess
        # A new module starts in training mode, and torch.onnx.export puts
        # the exported module back in the mode it found: without this, the
        # model would leave the export with BatchNorm in training mode.
        self.train(False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if self.with_preprocess:
            pre = self.model.data_preprocessor
            images = images.permute(0, 3, 1, 2).float()
            if pre.to_rgb:
                images = images.flip(1)
            if pre._enable_normalize:
                images = (images - pre.mean) / pre.std
        return self.model.embed(images)


def preprocessing_spec(model: nn.Module) -> dict:
    """What a user feeds the exported graph: the resize of the config's
    test pipeline and the data preprocessor's channel order and mean/std.

    Returns:
        dict: ``height``, ``width``, ``interpolation``, ``to_rgb``,
        ``mean``, ``std`` (RGB order when ``to_rgb``), ``test_cfg``.
    """
    resize = [s for s in test_pipeline_cfg(model._config)
              if str(s.get('type', '')).split('.')[-1] == 'Resize']
    if len(resize) != 1 or resize[0].get('keep_ratio', False):
        raise ValueError('the ONNX recipe expects one fixed-size Resize '
                         '(keep_ratio False) in the test pipeline, got '
                         f'{resize}')
    width, height = resize[0]['scale']
    pre = model.data_preprocessor
    return dict(height=int(height), width=int(width),
                interpolation=resize[0].get('interpolation', 'bilinear'),
                to_rgb=bool(pre.to_rgb),
                mean=[round(v, 6) for v in pre.mean.flatten().tolist()],
                std=[round(v, 6) for v in pre.std.flatten().tolist()],
                test_cfg=dict(model.test_cfg))


def export_onnx(model: nn.Module, path: str, with_preprocess: bool = False,
                opset_version: int = OPSET_VERSION) -> dict:
    """Write the embedding graph with a dynamic batch axis.

    The preprocessing spec is stored in the file's metadata
    (``mmreid_dranet_preprocessing``, JSON).

    Args:
        model (nn.Module): A :class:`ReIDModel` with ``_config``.
        path (str): The .onnx file.
        with_preprocess (bool): See :class:`EmbeddingGraph`.
        opset_version (int): ONNX opset.

    Returns:
        dict: The preprocessing spec.
    """
    import onnx
    spec = preprocessing_spec(model)
    graph = EmbeddingGraph(model.cpu().eval(), with_preprocess)
    h, w = spec['height'], spec['width']
    dummy = (torch.zeros(2, h, w, 3, dtype=torch.uint8) if with_preprocess
             else torch.zeros(2, 3, h, w))
    # The neck's shape checks trace to constants: right, since the graph's
    # H x W is fixed by the test pipeline's resize.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter('ignore', torch.jit.TracerWarning)
        torch.onnx.export(
            graph, (dummy, ), path, dynamo=False, input_names=['images'],
            output_names=['embedding'],
            dynamic_axes=dict(images={0: 'batch'}, embedding={0: 'batch'}),
            opset_version=opset_version)
    proto = onnx.load(path)
    entry = proto.metadata_props.add()
    entry.key = 'mmreid_dranet_preprocessing'
    entry.value = json.dumps(dict(spec, with_preprocess=with_preprocess))
    onnx.save(proto, path)
    return spec


def graph_inputs(model: nn.Module, images: Sequence[Union[str, np.ndarray]],
                 with_preprocess: bool = False) -> torch.Tensor:
    """The batch the graph takes for images (files or BGR arrays), made by
    the config's test pipeline (and the data preprocessor, unless the graph
    has it inside)."""
    from mmengine.dataset import pseudo_collate
    pipeline = TestPipeline(model._config)
    packed = [pipeline.from_array(img, i) if isinstance(img, np.ndarray)
              else pipeline.from_file(img) for i, img in enumerate(images)]
    if with_preprocess:  # the resized uint8 BGR pixels, N x H x W x 3
        return torch.stack([p['inputs'] for p in packed]).permute(0, 2, 3, 1)
    with torch.no_grad():
        data = model.data_preprocessor(pseudo_collate(packed), False)
    return data['inputs'].cpu()


def verify_onnx(model: nn.Module, path: str,
                images: Sequence[Union[str, np.ndarray]],
                with_preprocess: bool = False) -> dict:
    """Run onnxruntime and PyTorch on the same images.

    Returns:
        dict: ``max_abs_diff``, ``max_abs_value`` (of the PyTorch
        embeddings), ``num_images`` and ``shape``.
    """
    import onnxruntime
    inputs = graph_inputs(model, images, with_preprocess)
    graph = EmbeddingGraph(model.cpu().eval(), with_preprocess)
    with torch.no_grad():
        expected = graph(inputs).numpy()
    session = onnxruntime.InferenceSession(
        path, providers=['CPUExecutionProvider'])
    (exported, ) = session.run(None, {'images': inputs.numpy()})
    if exported.shape != expected.shape:
        raise ValueError(f'onnxruntime gave shape {exported.shape}, '
                         f'PyTorch {expected.shape}')
    return dict(max_abs_diff=float(np.abs(exported - expected).max()),
                max_abs_value=float(np.abs(expected).max()),
                num_images=len(images), shape=list(exported.shape))


def synthetic_pictures(num: int = 3, height: int = 128,
                       width: int = 64) -> List[np.ndarray]:
    """A few synthetic pedestrian pictures (uint8 BGR), for verification
    without data."""
    from mmreid_dranet.datasets.synthetic import (SyntheticReIDConfig,
                                                  camera_look, identity_look,
                                                  render)
    cfg = SyntheticReIDConfig(height=height, width=width, seed=7)
    rng = np.random.default_rng(7)
    return [render(cfg, identity_look(cfg, pid), camera_look(cfg, pid % 3),
                   rng) for pid in range(1, num + 1)]
