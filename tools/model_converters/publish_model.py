"""Publish a checkpoint for others' tools: weights and plain metadata only.

``python tools/model_converters/publish_model.py IN.pth OUT.pth``

A training checkpoint holds the optimizer, the schedulers and mmengine's
message hub (``HistoryBuffer`` objects). torch >= 2.6 loads files with its
weights-only unpickler by default, and tools that call ``torch.load`` or
mmengine's ``load_checkpoint`` without allow-listing those objects refuse
such a file: mmdet's ``tools/test_tracking.py --reid`` does (see
``configs/tracking/``). The published file keeps ``state_dict`` and the
JSON-representable part of ``meta`` (the identity count
``meta.dataset_meta.num_ids`` included); it is checked to load with
``torch.load(weights_only=True)``, and its SHA-256 is printed (first 8 hex
digits as OpenMMLab names published files: ``name-1a2b3c4d.pth``).
"""
import argparse
import hashlib
import json
import os
import os.path as osp
import sys

import torch


def plain(value):
    """``value`` with what JSON cannot hold left out (numpy scalars become
    numbers; other objects are dropped)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item = plain(item)
            if item is not None or value[key] is None:
                out[str(key)] = item
        return out
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, 'item') and getattr(value, 'ndim', 1) == 0:
        value = value.item()  # a numpy or torch scalar
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return None
    return value


def publish(src: str, dst: str) -> str:
    """Write the weights-only copy of ``src`` to ``dst``; return its
    SHA-256 (hex)."""
    from mmreid_dranet.utils import load_checkpoint_safely
    checkpoint = load_checkpoint_safely(src)
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not all(isinstance(v, torch.Tensor) for v in state_dict.values()):
        raise ValueError(f'{src}: the state_dict holds non-tensor values; '
                         'not a model checkpoint?')
    published = dict(state_dict=state_dict,
                     meta=plain(checkpoint.get('meta') or {}))
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    torch.save(published, dst)
    torch.load(dst, map_location='cpu', weights_only=True)  # the promise
    digest = hashlib.sha256()
    with open(dst, 'rb') as file:
        for block in iter(lambda: file.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('in_file', help='checkpoint (e.g. epoch_60.pth)')
    parser.add_argument('out_file', help='published file')
    args = parser.parse_args(argv)
    if osp.abspath(args.in_file) == osp.abspath(args.out_file):
        sys.exit('publish_model: out_file must differ from in_file')
    try:
        sha256 = publish(args.in_file, args.out_file)
    except (FileNotFoundError, ValueError) as error:
        sys.exit(f'publish_model: {error}')
    print(f'wrote {args.out_file} (weights and plain metadata; loads with '
          f'torch.load(weights_only=True)); sha256 {sha256} '
          f'(short {sha256[:8]})')


if __name__ == '__main__':
    main()
