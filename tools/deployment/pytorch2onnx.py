"""Export a re-ID model to ONNX and check it against PyTorch.

``python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT --out model.onnx``

The graph is the inference path of ``tools/test.py``: the embedding with the
config's ``test_cfg`` flip averaging and L2 normalisation, batch axis
dynamic. Before reporting success, onnxruntime and PyTorch embed the same
images (``--verify-images``, else a few synthetic pictures); the largest
difference is printed and the export fails above ``--tolerance``.

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
    parser.add_argument('--out', required=True, help='output .onnx file')
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
        help='largest allowed |onnxruntime - PyTorch|, relative to the '
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
    from mmreid_dranet.apis.export import (export_onnx, synthetic_pictures,
                                           verify_onnx)
    if not args.out.endswith('.onnx'):
        sys.exit(f'error: --out must name a .onnx file, got {args.out!r}')
    try:
        model = init_model(args.config, args.checkpoint, 'cpu',
                           args.cfg_options)
        images = (verification_images(args.verify_images)
                  if args.verify_images else synthetic_pictures())
    except (FileNotFoundError, ValueError) as error:
        sys.exit(f'error: {error}')
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    spec = export_onnx(model, args.out, args.with_preprocess, args.opset)
    print(f'exported {args.out} (opset {args.opset}); input "images": '
          + ('N x H x W x 3 uint8 BGR' if args.with_preprocess else
             'N x 3 x H x W float32, RGB, (x - mean) / std'))
    print('preprocessing: ' + json.dumps(spec))
    report = verify_onnx(model, args.out, images, args.with_preprocess)
    source = 'synthetic pictures' if not args.verify_images else 'images'
    allowed = args.tolerance * max(1.0, report['max_abs_value'])
    print(f'verified on {report["num_images"]} {source}: embeddings '
          f'{report["shape"]}, max |onnxruntime - PyTorch| = '
          f'{report["max_abs_diff"]:.3g} (allowed {allowed:.3g})')
    if not report['max_abs_diff'] <= allowed:
        os.remove(args.out)
        sys.exit(f'error: the exported model differs from PyTorch by '
                 f'{report["max_abs_diff"]:.3g} > {allowed:.3g}; '
                 f'{args.out} was removed')
    print('OK')


if __name__ == '__main__':
    main()
