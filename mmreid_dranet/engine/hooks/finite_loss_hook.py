import math

from mmengine.dist import get_rank, get_world_size
from mmengine.hooks import Hook

from mmreid_dranet.registry import HOOKS

SWITCH_KEY = 'check_finite_loss'


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Stop training at the first NaN or inf loss, naming it.

    A diverged step has already written NaN into the parameters; every
    later step and checkpoint would carry them. This hook raises in
    ``after_train_iter`` of that step, before ``CheckpointHook`` (priority
    VERY_LOW) can save, so ``--resume`` finds the last good checkpoint.

    No extra host-device synchronisation: mmengine's ``RuntimeInfoHook``
    (priority VERY_HIGH, so it runs first) already calls ``.item()`` on every
    logged loss of every step to put it in the message hub; this hook reads
    those Python floats and never touches a tensor.

    Switched by the top-level config key ``check_finite_loss`` (default
    True; ``--cfg-options check_finite_loss=False`` turns it off), so that a
    child config can change it: a hook argument set from a base config's
    variable would keep the base's value.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self):
        self.enabled = True

    def before_train(self, runner) -> None:
        self.enabled = bool(runner.cfg.get(SWITCH_KEY, True))
        if not self.enabled:
            runner.logger.warning(
                f'{SWITCH_KEY}=False: training goes on through NaN/inf '
                'losses.')

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if not self.enabled or not outputs:
            return
        bad = {}
        for key in outputs:
            if 'loss' not in key:
                continue
            value = _logged_value(runner, key, outputs[key])
            if not math.isfinite(value):
                bad[key] = value
        if bad:
            raise FloatingPointError(_describe(runner, batch_idx, bad))


def _logged_value(runner, key, fallback):
    """The float RuntimeInfoHook logged for ``key`` this step (the tensor
    itself only when that hook is not registered)."""
    history = runner.message_hub.log_scalars.get(f'train/{key}')
    if history is not None:
        return float(history.current())
    return float(fallback)


def _describe(runner, batch_idx, bad):
    # The total `loss` is non-finite whenever a term is: name the terms.
    terms = {k: v for k, v in bad.items() if k != 'loss'} or bad
    values = ', '.join(f'{key} = {value}' for key, value in terms.items())
    where = f'iteration {runner.iter + 1} (epoch {runner.epoch + 1}, ' \
        f'batch {batch_idx + 1} of the epoch'
    if get_world_size() > 1:
        where += f', rank {get_rank()}'
    last = runner.message_hub.get_info('last_ckpt')
    resume = (f'The last checkpoint, {last}, was saved before it; '
              '`--resume` continues from there (e.g. with a lower learning '
              'rate).' if last else 'No checkpoint was saved before it.')
    return (f'Non-finite loss at {where}): {values}. Training stopped '
            f'before this step could be saved. {resume} Set '
            f'{SWITCH_KEY}=False in the config to train on regardless.')
