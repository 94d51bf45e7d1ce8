from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmreid_dranet.registry import HOOKS


@HOOKS.register_module()
class NumClassesCheckHook(Hook):
    """Stop before the first iteration if the classifiers do not match the
    training identities.

    A ``num_classes`` smaller than the number of identities would fail deep
    inside the loss with an index error; a larger one trains silently with
    dead classes. Both are usually a config written for another data set.
    The check compares ``num_classes`` of the model's neck and head (where
    they have one that is not None) with ``metainfo['num_ids']`` of the
    training set.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        dataset = runner.train_dataloader.dataset
        num_ids = getattr(dataset, 'metainfo', {}).get('num_ids')
        if num_ids is None:
            runner.logger.warning(
                f'{type(dataset).__name__} has no metainfo["num_ids"]; '
                'num_classes is not checked.')
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        for part in ('neck', 'head'):
            num_classes = getattr(getattr(model, part, None), 'num_classes',
                                  None)
            if num_classes is not None and num_classes != num_ids:
                raise ValueError(
                    f'model.{part}.num_classes is {num_classes} but the '
                    f'training set ({type(dataset).__name__}) has {num_ids} '
                    f'identities: set model.{part}.num_classes={num_ids} in '
                    'the config.')
