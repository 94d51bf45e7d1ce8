from mmengine.hooks import Hook

from mmreid_dranet.registry import HOOKS


@HOOKS.register_module()
class SamplerBatchCheckHook(Hook):
    """Stop before the first iteration if the training dataloader's batch
    size does not match its identity sampler.

    An ``IdentityBalancedSampler`` of P identities x K images only yields
    whole identities per batch when ``batch_size == P * K``; with another
    size training runs, but every batch mixes partial identities.
    :class:`ReIDRunner` derives the batch size from the sampler when the
    config gives none, so this fires only for a batch size written by hand.
    Samplers without ``num_ids`` / ``ins_per_id`` are not checked.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        loader = runner.train_dataloader
        sampler = loader.sampler
        num_ids = getattr(sampler, 'num_ids', None)
        ins_per_id = getattr(sampler, 'ins_per_id', None)
        if None in (num_ids, ins_per_id, loader.batch_size):
            return
        if loader.batch_size != num_ids * ins_per_id:
            raise ValueError(
                f'train_dataloader.batch_size is {loader.batch_size}, but '
                'train_dataloader.sampler gives num_ids x ins_per_id = '
                f'{num_ids} x {ins_per_id} = {num_ids * ins_per_id} per '
                'batch: remove train_dataloader.batch_size (it is derived '
                'from the sampler), or change train_dataloader.sampler.'
                'num_ids / ins_per_id.')
