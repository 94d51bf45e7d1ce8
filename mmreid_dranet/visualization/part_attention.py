"""What DRANet attends to, per image and part stripe, as plain arrays.

The numbers come from the model's own code: ``DRANeck.forward_train``
(A_p, m, B, S and the SIC logits of every part),
``DRAPartBranch.identity_map`` (H_n, the map RSAM reverses) and
``reverse_mask`` (the RSAM mask (1 - H_n) ** alpha_s), so the pictures show
exactly what training computes.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch


@dataclass
class PartAttention:
    """One part stripe of one image (h x w stripe of the feature map).

    Attributes:
        rows (tuple[int, int]): Feature-map rows [start, end) of the stripe.
        activation (ndarray): SIC activation, the mean of S over its K
            channels, h x w.
        channel_mask (ndarray): The CIC channel mask m, K values in (0, 1).
            RCAM keeps (1 - m) ** alpha_c: the largest m are the channels it
            suppresses most.
        identity_maps (dict[str, ndarray]): H_n in [0, 1] (h x w) under
            'predicted' and, when known, 'true'.
        erase_masks (dict[str, ndarray]): The RSAM masks (1 - H_n) **
            alpha_s of the same identities (0: erased).
    """
    rows: Tuple[int, int]
    activation: np.ndarray
    channel_mask: np.ndarray
    identity_maps: Dict[str, np.ndarray] = field(default_factory=dict)
    erase_masks: Dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class ImageAttention:
    """The attention of one image.

    Attributes:
        feature_size (tuple[int, int]): H x W of the backbone feature map.
        parts (list[PartAttention]): Top stripe first.
        predicted_label (int | None): Training label with the largest mean
            SIC logit over the parts; None without identity maps.
        predicted_prob (float | None): Its softmax probability.
        true_label (int | None): The training label given for the image.
        alpha_s (float): Exponent of the RSAM mask.
        notes (list[str]): What could not be drawn, and why.
    """
    feature_size: Tuple[int, int]
    parts: List[PartAttention]
    predicted_label: Optional[int] = None
    predicted_prob: Optional[float] = None
    true_label: Optional[int] = None
    alpha_s: float = 1.0
    notes: List[str] = field(default_factory=list)


def dra_attention(model: torch.nn.Module,
                  inputs: torch.Tensor,
                  true_labels: Optional[Sequence[Optional[int]]] = None
                  ) -> List[ImageAttention]:
    """Per-part attention of a batch under a model with a :class:`DRANeck`.

    Args:
        model (nn.Module): A :class:`ReIDModel` (``backbone`` and ``neck``)
            in eval mode.
        inputs (Tensor): Preprocessed images, N x 3 x H x W (the model's
            data preprocessor applied).
        true_labels (Sequence[int | None], optional): Training label of
            each image, None where unknown.

    Returns:
        list[ImageAttention]: One per image.
    """
    from mmreid_dranet.models.necks import DRANeck
    from mmreid_dranet.models.necks.dra_part import reverse_mask
    from mmreid_dranet.models.utils import stripe_rows

    neck = getattr(model, 'neck', None)
    if not isinstance(neck, DRANeck):
        raise TypeError('attention pictures need a model whose neck is a '
                        f'DRANeck, got {type(neck).__name__}')
    num = len(inputs)
    true_labels = list(true_labels) if true_labels is not None else \
        [None] * num
    if len(true_labels) != num:
        raise ValueError(f'{len(true_labels)} true labels for {num} images')
    has_maps = neck.num_classes is not None
    for label in true_labels:
        if label is not None and (not has_maps or
                                  not 0 <= label < neck.num_classes):
            raise ValueError(
                f'true label {label} is not a training label of this model '
                f'(num_classes={neck.num_classes})')

    with torch.no_grad():
        feats = model.backbone(inputs)
        feature = feats[-1] if isinstance(feats, (tuple, list)) else feats
        out = neck.forward_train(feats)
        height = feature.size(2)
        rows = stripe_rows(height, neck.num_parts)
        predicted = prob = None
        if has_maps:
            logits = torch.stack([p.identity_logits for p in out.parts])
            probs = logits.mean(0).softmax(dim=1)
            prob, predicted = probs.max(dim=1)
        known = [i for i, label in enumerate(true_labels)
                 if label is not None]
        known_labels = torch.tensor([true_labels[i] for i in known],
                                    dtype=torch.long, device=inputs.device)
        per_part = []
        for branch, part in zip(neck.branches, out.parts):
            maps = {}
            if has_maps:
                maps['predicted'] = branch.identity_map(part.spatial,
                                                        predicted)
                if known:
                    maps['true'] = branch.identity_map(part.spatial[known],
                                                       known_labels)
            erase = {
                kind: reverse_mask(1 - value, branch.alpha_s, True)
                for kind, value in maps.items()
            }
            per_part.append((part, maps, erase))

    notes = _model_notes(neck)
    results = []
    for i in range(num):
        parts = []
        for (part, maps, erase), part_rows in zip(per_part, rows):
            chosen = {'predicted': i} if has_maps else {}
            if i in known:
                chosen['true'] = known.index(i)
            parts.append(
                PartAttention(
                    rows=part_rows,
                    activation=_numpy(part.spatial[i].mean(0)),
                    channel_mask=_numpy(part.channel_mask[i]),
                    identity_maps={k: _numpy(maps[k][j])
                                   for k, j in chosen.items()},
                    erase_masks={k: _numpy(erase[k][j])
                                 for k, j in chosen.items()}))
        results.append(
            ImageAttention(
                feature_size=(height, feature.size(3)),
                parts=parts,
                predicted_label=None if predicted is None else int(
                    predicted[i]),
                predicted_prob=None if prob is None else float(prob[i]),
                true_label=true_labels[i],
                alpha_s=float(neck.branches[0].alpha_s),
                notes=list(notes)))
    return results


def _model_notes(neck) -> List[str]:
    """What the neck cannot show, or shows only hypothetically."""
    if neck.num_classes is None:
        return ['neck built without identity maps (num_classes=None): no '
                'identity prediction, no H_n, no RSAM mask to draw']
    notes = []
    if not neck.use_rsam:
        notes.append('RSAM is off in this model (use_rsam=False): the mask '
                     'shows what RSAM would erase, not what it trained on')
    if not neck.use_rcam:
        notes.append('RCAM is off in this model (use_rcam=False): the '
                     'marked channels are what RCAM would suppress')
    return notes


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().float().cpu().numpy()
