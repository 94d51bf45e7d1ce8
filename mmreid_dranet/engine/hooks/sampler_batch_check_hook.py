from mmengine.hooks import Hook

from mmreid_dranet.registry import HOOKS


@HOOKS.register_module()
class SamplerBatchCheckHook(Hook):
    """Stop before the first iteration if the training dataloader's batch
    size does not match its identity sampler.

    An ``IdentityBalancedSampler`` of P identities x K images only yields
    whole identities per batch when ``batch_size == P * K``; with another
    size training runs, but every batch mixes partial identities. Samplers
    without a ``check_batch_size`` method are not checked.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        loader = runner.train_dataloader
        check = getattr(loader.sampler, 'check_batch_size', None)
        if check is not None and loader.batch_size is not None:
            check(loader.batch_size)
