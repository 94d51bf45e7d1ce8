"""ONNX export of the inference path (embedding with test_cfg flip / L2).

The graph computes ``ReIDModel.embed``: the same flip averaging and L2
normalisation as ``tools/test.py`` when the config's ``test_cfg`` asks for
them. Its input is either the normalised float tensor the model's data
preprocessor makes (N x 3 x H x W, RGB, (x - mean) / std), or, with
``with_preprocess=True``, the resized uint8 BGR images as OpenCV gives them
(N x H x W x 3): the channel swap and mean/std are then inside the graph.
Resizing stays outside in both cases (``cv2.resize`` to the test pipeline's
size, bilinear, as mmcv's ``Resize`` does), so that any image size works.

The same graph goes to three CPU runtimes: ONNX (:func:`export_onnx`),
OpenVINO IR (:func:`export_openvino`, converted from the ONNX file) and
TorchScript (:func:`export_torchscript`, traced); :func:`verify_export`
runs any of them against PyTorch on the same images. The tensor names are
those tracking libraries expect of an ONNX re-ID model: ``images`` in,
``output`` out, batch axis dynamic (``output_name='embedding'`` keeps the
name this package used before).
"""
import json
import os
import os.path as osp
import tempfile
import warnings
from typing import List, Sequence, Union

import numpy as np
import torch
import torch.nn as nn

from .runtimes import JIT_DEPRECATED, load_runtime
from .test_pipeline import TestPipeline, test_pipeline_cfg

OPSET_VERSION = 17
INPUT_NAME = 'images'
# Output names: what trackers that take an ONNX re-ID model read, and the
# name this package's exports had before (--keep-names).
TRACKER_OUTPUT_NAME = 'output'
OWN_OUTPUT_NAME = 'embedding'
METADATA_KEY = 'mmreid_dranet_preprocessing'


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
                opset_version: int = OPSET_VERSION,
                output_name: str = TRACKER_OUTPUT_NAME) -> dict:
    """Write the embedding graph with a dynamic batch axis.

    The preprocessing spec is stored in the file's metadata
    (``mmreid_dranet_preprocessing``, JSON).

    Args:
        model (nn.Module): A :class:`ReIDModel` with ``_config``.
        path (str): The .onnx file.
        with_preprocess (bool): See :class:`EmbeddingGraph`.
        opset_version (int): ONNX opset.
        output_name (str): Name of the output tensor (the input is
            ``images``). Defaults to ``'output'``, the trackers' name.

    Returns:
        dict: The preprocessing spec.
    """
    import onnx
    spec = preprocessing_spec(model)
    graph = EmbeddingGraph(model.cpu().eval(), with_preprocess)
    # The neck's shape checks trace to constants: right, since the graph's
    # H x W is fixed by the test pipeline's resize.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter('ignore', torch.jit.TracerWarning)
        torch.onnx.export(
            graph, (_dummy_batch(spec, with_preprocess), ), path,
            dynamo=False, input_names=[INPUT_NAME],
            output_names=[output_name],
            dynamic_axes={INPUT_NAME: {0: 'batch'}, output_name: {0: 'batch'}},
            opset_version=opset_version)
    proto = onnx.load(path)
    entry = proto.metadata_props.add()
    entry.key = METADATA_KEY
    entry.value = json.dumps(dict(spec, with_preprocess=with_preprocess))
    onnx.save(proto, path)
    return spec


def export_openvino(model: nn.Module, path: str,
                    with_preprocess: bool = False,
                    output_name: str = TRACKER_OUTPUT_NAME) -> dict:
    """Write OpenVINO IR (``path`` = the .xml; the weights go to the .bin
    beside it), converted from the ONNX graph of :func:`export_onnx`: the
    same names, dynamic batch axis and preprocessing spec (in the model's
    ``rt_info``). Weights stay float32 (no fp16 compression).

    Returns:
        dict: The preprocessing spec.
    """
    import openvino
    with tempfile.TemporaryDirectory() as tmp:
        onnx_path = osp.join(tmp, 'model.onnx')
        spec = export_onnx(model, onnx_path, with_preprocess,
                           output_name=output_name)
        converted = openvino.convert_model(onnx_path)
    converted.set_rt_info(
        json.dumps(dict(spec, with_preprocess=with_preprocess)),
        METADATA_KEY)
    openvino.save_model(converted, path, compress_to_fp16=False)
    return spec


def export_torchscript(model: nn.Module, path: str,
                       with_preprocess: bool = False) -> dict:
    """Write the graph traced by ``torch.jit.trace`` (any batch size; the
    preprocessing spec as the extra file ``mmreid_dranet_preprocessing``).

    Returns:
        dict: The preprocessing spec.
    """
    spec = preprocessing_spec(model)
    graph = EmbeddingGraph(model.cpu().eval(), with_preprocess)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter('ignore', torch.jit.TracerWarning)
        # torch >= 2.10 marks TorchScript deprecated; the format is asked
        # for by trackers and C++ (libtorch) deployments that load it.
        warnings.filterwarnings('ignore', JIT_DEPRECATED, FutureWarning)
        traced = torch.jit.trace(graph, _dummy_batch(spec, with_preprocess))
        torch.jit.save(traced, path, _extra_files={
            METADATA_KEY: json.dumps(
                dict(spec, with_preprocess=with_preprocess))
        })
    return spec


# The runtime that runs each export format, and its file suffix.
EXPORTERS = dict(onnx=(export_onnx, 'onnxruntime', '.onnx'),
                 openvino=(export_openvino, 'openvino', '.xml'),
                 torchscript=(export_torchscript, 'torchscript', '.pt'))


def _dummy_batch(spec: dict, with_preprocess: bool) -> torch.Tensor:
    h, w = spec['height'], spec['width']
    return (torch.zeros(2, h, w, 3, dtype=torch.uint8) if with_preprocess
            else torch.zeros(2, 3, h, w))


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


def verify_export(model: nn.Module, path: str,
                  images: Sequence[Union[str, np.ndarray]],
                  with_preprocess: bool = False,
                  runtime: str = 'onnxruntime') -> dict:
    """Run an exported file in its runtime and PyTorch on the same images.

    Args:
        runtime (str): 'onnxruntime', 'openvino' or 'torchscript'
            (see :func:`mmreid_dranet.apis.runtimes.load_runtime`).

    Returns:
        dict: ``max_abs_diff``, ``max_abs_value`` (of the PyTorch
        embeddings), ``num_images`` and ``shape``.
    """
    inputs = graph_inputs(model, images, with_preprocess)
    graph = EmbeddingGraph(model.cpu().eval(), with_preprocess)
    with torch.no_grad():
        expected = graph(inputs).numpy()
    exported = load_runtime(runtime, path)(inputs.numpy())
    if exported.shape != expected.shape:
        raise ValueError(f'{runtime} gave shape {exported.shape}, '
                         f'PyTorch {expected.shape}')
    return dict(max_abs_diff=float(np.abs(exported - expected).max()),
                max_abs_value=float(np.abs(expected).max()),
                num_images=len(images), shape=list(exported.shape))


def verify_onnx(model: nn.Module, path: str,
                images: Sequence[Union[str, np.ndarray]],
                with_preprocess: bool = False) -> dict:
    """:func:`verify_export` with onnxruntime."""
    return verify_export(model, path, images, with_preprocess, 'onnxruntime')


def remove_export(path: str) -> None:
    """Delete an exported file (and the .bin of an OpenVINO .xml)."""
    for name in (path, osp.splitext(path)[0] + '.bin'
                 if path.endswith('.xml') else None):
        if name and osp.exists(name):
            os.remove(name)


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
