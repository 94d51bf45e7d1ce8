"""Export a re-ID model to ONNX (or OpenVINO IR, TorchScript), verified.

``python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT --out model.onnx``
``... --format openvino --out model.xml`` (OpenVINO IR, converted from the
ONNX graph; weights in model.bin) or ``--format torchscript --out model.pt``
(``torch.jit.trace``).

The graph is the inference path of ``tools/test.py``: the embedding with the
config's ``test_cfg`` flip averaging and L2 normalisation, batch axis
dynamic. Before reporting success, onnxruntime and PyTorch embed the same
images (``--verify-images``, else a few synthetic pictures); the largest
difference is printed and the export fails above ``--tolerance``
(onnxruntime, OpenVINO's CPU device at float32 precision, or
``torch.jit.load``, as the format asks).

Names: the input is ``images`` and the output ``output`` with a dynamic
batch axis, as trackers that take an ONNX re-ID model expect;
``--keep-names`` names the output ``embedding`` (this tool's former name).

Input of the graph (``images``): N x 3 x H x W float32, the test pipeline's
resized image, BGR -> RGB, (x - mean) / std; with ``--with-preprocess``:
N x H x W x 3 uint8 BGR, resized (``cv2.resize(img, (W, H))``). The exact
H, W, mean and std are printed and stored in the file's metadata.
"""
import argparse
import json
import os
import os.path as osp
import sys

from mmengine.config import DictAction


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Export a re-ID model to ONNX (verified).')
    parser.add_argument('config', help='config file or model-index name')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', required=True,
                        help='output file: .onnx, .xml (openvino) or .pt '
                        '(torchscript)')
    parser.add_argument('--format', choices=['onnx', 'openvino',
                                             'torchscript'],
                        default='onnx', help='default: onnx')
    parser.add_argument(
        '--keep-names', action='store_true',
        help="name the output 'embedding' instead of the trackers' "
        "'output' (onnx and openvino)")
    parser.add_argument(
        '--with-preprocess', action='store_true',
        help='take resized uint8 BGR images (N x H x W x 3) and do the '
        'channel swap and mean/std inside the graph')
    parser.add_argument(
        '--verify-images', nargs='+',
        help='image files or folders (flat, or one sub-folder per identity '
        'as in mydata/query/<name>/) to compare onnxruntime with PyTorch on '
        '(default: 3 synthetic pictures)')
    parser.add_argument(
        '--tolerance', type=float, default=1e-4,
        help='largest allowed |runtime - PyTorch|, relative to the '
        'largest |embedding| when that is above 1 (default 1e-4)')
    parser.add_argument('--opset', type=int, default=17, help='ONNX opset')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. '
                        'model.test_cfg.flip=True')
    return parser.parse_args(argv)


def verification_images(paths):
    """The files named by ``--verify-images``: folders expanded by the
    listing every tool uses (flat, or one sub-folder per identity)."""
    from mmreid_dranet.apis.inputs import inputs_to_list
    images = []
    for path in paths:
        if not osp.exists(path):
            raise FileNotFoundError(f'--verify-images: {path!r} not found')
        images.extend(inputs_to_list(path))
    return images


def main(argv=None):
    args = parse_args(argv)
    from mmreid_dranet.apis import init_model
    from mmreid_dranet.apis.export import (EXPORTERS, OWN_OUTPUT_NAME,
                                           TRACKER_OUTPUT_NAME, remove_export,
                                           synthetic_pictures, verify_export)
    exporter, runtime, suffix = EXPORTERS[args.format]
    if not args.out.endswith(suffix):
        sys.exit(f'error: --out must name a {suffix} file for --format '
                 f'{args.format}, got {args.out!r}')
    try:
        model = init_model(args.config, args.checkpoint, 'cpu',
                           args.cfg_options)
        images = (verification_images(args.verify_images)
                  if args.verify_images else synthetic_pictures())
    except (FileNotFoundError, ValueError) as error:
        sys.exit(f'error: {error}')
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    output_name = OWN_OUTPUT_NAME if args.keep_names else TRACKER_OUTPUT_NAME
    if args.format == 'onnx':
        spec = exporter(model, args.out, args.with_preprocess, args.opset,
                        output_name=output_name)
    elif args.format == 'openvino':
        spec = exporter(model, args.out, args.with_preprocess,
                        output_name=output_name)
    else:
        spec = exporter(model, args.out, args.with_preprocess)
    print(f'exported {args.out} ({args.format}); input "images": '
          + ('N x H x W x 3 uint8 BGR' if args.with_preprocess else
             'N x 3 x H x W float32, RGB, (x - mean) / std')
          + ('' if args.format == 'torchscript' else
             f'; output "{output_name}"'))
    print('preprocessing: ' + json.dumps(spec))
    report = verify_export(model, args.out, images, args.with_preprocess,
                           runtime)
    source = 'synthetic pictures' if not args.verify_images else 'images'
    allowed = args.tolerance * max(1.0, report['max_abs_value'])
    print(f'verified on {report["num_images"]} {source}: embeddings '
          f'{report["shape"]}, max |{runtime} - PyTorch| = '
          f'{report["max_abs_diff"]:.3g} (allowed {allowed:.3g})')
    if not report['max_abs_diff'] <= allowed:
        remove_export(args.out)
        sys.exit(f'error: the exported model differs from PyTorch by '
                 f'{report["max_abs_diff"]:.3g} > {allowed:.3g}; '
                 f'{args.out} was removed')
    print('OK')


if __name__ == '__main__':
    main()
