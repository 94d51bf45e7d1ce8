from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmreid_dranet.registry import HOOKS


@HOOKS.register_module()
class NumClassesCheckHook(Hook):
    """Stop before the first iteration if the model's identity count is not
    the training set's.

    A config that leaves ``model.num_classes`` out gets the count from the
    data (:class:`ReIDRunner`); this hook catches a count written in the
    config for another data set (a smaller one would fail deep inside the
    loss, a larger one train silently with dead classes). It reads
    ``num_classes`` of the model (or, for models without one, of its head)
    and ``metainfo['num_ids']`` of the training set.
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
        key, num_classes = 'model.num_classes', getattr(
            model, 'num_classes', None)
        if num_classes is None:
            key, num_classes = 'model.head.num_classes', getattr(
                getattr(model, 'head', None), 'num_classes', None)
        if num_classes is not None and num_classes != num_ids:
            name = dataset.metainfo.get('dataset_name',
                                        type(dataset).__name__)
            raise ValueError(
                f'{key} is {num_classes} but the training set ({name}) has '
                f'{num_ids} identities: set {key}={num_ids}, or remove it '
                'from the config to read the count from the data.')
