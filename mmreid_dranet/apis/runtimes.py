"""Run an exported embedding graph in a CPU runtime, one call per batch.

One loader for the three formats of :mod:`mmreid_dranet.apis.export`, so
that the export's verification and ``benchmarks/bench_inference.py`` run
the files the same way a deployment does.
"""
import warnings
from typing import Callable, Optional

import numpy as np
import torch

RUNTIMES = ('onnxruntime', 'openvino', 'torchscript')
# The FutureWarning torch >= 2.10 gives on every torch.jit call.
JIT_DEPRECATED = r'`torch\.jit\.\w+` is deprecated'


def load_runtime(runtime: str, path: str, num_threads: Optional[int] = None
                 ) -> Callable[[np.ndarray], np.ndarray]:
    """A function ``run(batch) -> N x D float32`` of an exported file.

    Args:
        runtime (str): ``'onnxruntime'`` (a .onnx file, CPU provider),
            ``'openvino'`` (a .xml IR, CPU device, float32 inference
            precision: some CPUs would otherwise compute in bfloat16) or
            ``'torchscript'`` (a .pt of ``torch.jit.trace``).
        path (str): The file.
        num_threads (int, optional): Threads of the runtime; None: its
            default.

    Returns:
        callable: Takes the graph's input as a numpy array.
    """
    if runtime == 'onnxruntime':
        import onnxruntime
        options = onnxruntime.SessionOptions()
        if num_threads:
            options.intra_op_num_threads = num_threads
        session = onnxruntime.InferenceSession(
            path, options, providers=['CPUExecutionProvider'])
        name = session.get_inputs()[0].name
        return lambda batch: session.run(None, {name: batch})[0]
    if runtime == 'openvino':
        import openvino
        config = {'INFERENCE_PRECISION_HINT': 'f32'}
        if num_threads:
            config['INFERENCE_NUM_THREADS'] = num_threads
        compiled = openvino.Core().compile_model(path, 'CPU', config)
        output = compiled.output(0)
        return lambda batch: compiled(batch)[output]
    if runtime == 'torchscript':
        with warnings.catch_warnings():
            warnings.filterwarnings('ignore', JIT_DEPRECATED, FutureWarning)
            module = torch.jit.load(path, map_location='cpu').eval()

        def run(batch: np.ndarray) -> np.ndarray:
            with torch.no_grad():
                return module(torch.from_numpy(batch)).numpy()

        return run
    raise ValueError(f'runtime must be one of {RUNTIMES}, got {runtime!r}.')
