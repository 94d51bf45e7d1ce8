"""Scale a training schedule to another number of epochs
(``tools/train.py --epochs N``).

Setting ``train_cfg.max_epochs`` alone shortens the run but leaves the
warm-up and the learning-rate decays where they were: 12 epochs of a
60-epoch recipe (decays at 40 and 55) end at the peak rate, and a longer
run decays early. :func:`scale_schedule` moves every epoch position of the
``param_scheduler`` entries by the same ratio ``N / max_epochs``:

- ``begin`` and ``end`` (an ``end`` at or past the old last epoch becomes
  ``N``), ``T_max`` and ``step_size``;
- ``milestones``, rounded so that they stay distinct and fall before the
  scheduler's last epoch (a decay at the end would never act);
- ``train_cfg.val_interval`` and the checkpoint hook's ``interval`` where
  they exceed ``N`` (so the short run is still validated and saved).

Positions are rounded half up and a warm-up keeps at least one epoch.
"""
import math
from typing import List

# Keys of a scheduler config that hold an epoch position or length.
POSITION_KEYS = ('begin', 'end')
LENGTH_KEYS = ('T_max', 'step_size')


def _round(value: float) -> int:
    """Round half up (Python's ``round`` rounds 0.5 to 0)."""
    return int(math.floor(value + 0.5))


def _scheduler_entries(param_scheduler) -> List[dict]:
    """The scheduler configs of ``param_scheduler``: a dict, a list, or,
    for several optimizers, a dict of those keyed by optimizer name."""
    if param_scheduler is None:
        return []
    if isinstance(param_scheduler, dict):
        if 'type' in param_scheduler:
            return [param_scheduler]
        return [entry for value in param_scheduler.values()
                for entry in _scheduler_entries(value)]
    return [entry for value in param_scheduler
            for entry in _scheduler_entries(value)]


def scale_milestones(milestones, ratio: float, limit: int) -> List[int]:
    """Scale decay epochs, keeping them distinct and in ``[1, limit - 1]``.

    Args:
        milestones (list[int]): The decay epochs (counted from the
            scheduler's ``begin``).
        ratio (float): New length / old length.
        limit (int): The scheduler's new length in epochs; a milestone must
            come before it to act.

    Returns:
        list[int]: The scaled milestones, strictly increasing.

    Raises:
        ValueError: when ``limit - 1`` epochs cannot hold them all.
    """
    if len(milestones) > limit - 1:
        raise ValueError(
            f'{len(milestones)} learning-rate decays ({list(milestones)}) '
            f'need at least {len(milestones) + 1} epochs; got {limit}.')
    scaled = [min(max(_round(m * ratio), 1), limit - 1)
              for m in sorted(milestones)]
    for i in range(1, len(scaled)):
        scaled[i] = max(scaled[i], scaled[i - 1] + 1)
    for i in range(len(scaled) - 1, -1, -1):
        upper = limit - 1 if i == len(scaled) - 1 else scaled[i + 1] - 1
        scaled[i] = min(scaled[i], upper)
    return scaled


def _scale_entry(entry: dict, old: int, new: int) -> str:
    """Scale one scheduler config in place; describe the result."""
    name = entry.get('type', 'scheduler')
    if not entry.get('by_epoch', True):
        raise ValueError(
            f'--epochs scales epoch-based schedules, but the {name} entry of '
            'param_scheduler counts iterations (by_epoch=False): give its '
            'positions for the new length with --cfg-options instead.')
    ratio = new / old
    old_begin = entry.get('begin', 0)
    old_end = entry.get('end')
    begin = min(_round(old_begin * ratio), new - 1)
    if 'begin' in entry:
        entry['begin'] = begin
    end = new
    if old_end is not None and old_end < old:
        end = min(max(_round(old_end * ratio), begin + 1), new)
    if old_end is not None:
        entry['end'] = end
    for key in LENGTH_KEYS:
        if key not in entry:
            continue
        if key == 'T_max' and old_end is not None and \
                entry[key] == old_end - old_begin:
            entry[key] = end - begin  # a full cosine stays a full cosine
        else:
            entry[key] = max(_round(entry[key] * ratio), 1)
    if 'milestones' in entry:
        entry['milestones'] = scale_milestones(
            entry['milestones'], ratio, end - begin)
        return f'{name} decays at epochs {entry["milestones"]}'
    return f'{name} over epochs {begin}-{end}'


def scale_schedule(cfg, epochs: int) -> str:
    """Train for ``epochs`` epochs with the config's schedule scaled to fit.

    Args:
        cfg (Config): The config, changed in place: ``train_cfg``,
            ``param_scheduler`` and ``default_hooks.checkpoint``.
        epochs (int): The new number of epochs.

    Returns:
        str: One line saying what moved, for the console.

    Raises:
        ValueError: for ``epochs < 1``, an iteration-based loop or
            scheduler, or more decays than the run has epochs.
    """
    train_cfg = cfg.get('train_cfg')
    if epochs < 1:
        raise ValueError(f'--epochs must be at least 1, got {epochs}.')
    if not train_cfg or 'max_epochs' not in train_cfg:
        raise ValueError(
            '--epochs needs an epoch-based train_cfg with max_epochs; this '
            f'config has train_cfg={train_cfg!r}.')
    old = train_cfg['max_epochs']
    scaled = [_scale_entry(entry, old, epochs)
              for entry in _scheduler_entries(cfg.get('param_scheduler'))]
    train_cfg['max_epochs'] = epochs
    if train_cfg.get('val_interval', 1) > epochs:
        train_cfg['val_interval'] = epochs
    checkpoint = (cfg.get('default_hooks') or {}).get('checkpoint')
    if checkpoint and checkpoint.get('by_epoch', True) and \
            checkpoint.get('interval', 1) > epochs:
        checkpoint['interval'] = epochs
    return (f'--epochs {epochs}: the {old}-epoch schedule scaled by '
            f'{epochs}/{old}' + (': ' + ', '.join(scaled) if scaled else ''))
