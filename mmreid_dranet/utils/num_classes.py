"""Where a model's identity count comes from when a config leaves it out.

A re-ID model has one classifier output per training identity. Configs do
not state that number: it is read from the training split before the model
is built (:class:`mmreid_dranet.engine.ReIDRunner`), or, for a model that
is only used (testing, inference, export), from the checkpoint it loads.
"""
import os.path as osp
from typing import Optional, Union

# State-dict keys whose first dimension is the identity count, in the order
# they are tried (DRANeck's SIC class maps, then BN + linear classifiers).
_CLASSIFIER_KEY_ENDINGS = ('identity_conv.weight', 'classifier.fc.weight',
                           'fc.weight')


def num_classes_from_checkpoint(checkpoint: Union[str, dict]
                                ) -> Optional[int]:
    """The identity count a checkpoint was trained with.

    Read from the training set's metainfo that mmengine stores in every
    checkpoint (``meta.dataset_meta.num_ids``); for a bare state dict, from
    the first classifier weight found (its number of rows).

    Args:
        checkpoint (str | dict): A checkpoint file (loaded with the safe
            unpickler) or an already loaded checkpoint.

    Returns:
        int | None: The count, or None when the checkpoint does not tell.
    """
    if isinstance(checkpoint, str):
        from .checkpoint import load_checkpoint_safely
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint not found: {checkpoint!r}')
        checkpoint = load_checkpoint_safely(checkpoint)
    meta = checkpoint.get('meta') or {}
    num_ids = (meta.get('dataset_meta') or {}).get('num_ids')
    if num_ids is not None:
        return int(num_ids)
    state_dict = checkpoint.get('state_dict', checkpoint)
    for ending in _CLASSIFIER_KEY_ENDINGS:
        for key, value in state_dict.items():
            if key.endswith(ending) and hasattr(value, 'shape'):
                return int(value.shape[0])
    return None
