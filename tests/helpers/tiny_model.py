"""A tiny DRANet checkpoint for the inference tests (no training needed).

The weights are random, and so are the BatchNorm statistics, so that the
eval-mode network is not close to an identity and the numbers compared in
the tests depend on every weight.
"""
import torch

from tests.helpers import REPO, TINY_CONFIG

__all__ = ['REPO', 'TINY_CONFIG', 'NUM_IDS', 'FLIP_L2', 'save_tiny_checkpoint']

NUM_IDS = 8
# test_cfg of the tests: both flip and L2 on, so that both are checked.
FLIP_L2 = {'model.test_cfg.flip': True, 'model.test_cfg.l2_normalize': True}


def save_tiny_checkpoint(path: str, seed: int = 0) -> str:
    """Write a checkpoint of the tiny demo config in mmengine's layout
    (``meta.dataset_meta.num_ids`` + ``state_dict``)."""
    from mmreid_dranet.apis import init_model
    torch.manual_seed(seed)
    model = init_model(TINY_CONFIG, None, num_classes=NUM_IDS)
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            size = module.running_mean.shape
            module.running_mean.copy_(0.1 * torch.randn(size,
                                                        generator=generator))
            module.running_var.copy_(0.5 + torch.rand(size,
                                                      generator=generator))
    torch.save(dict(meta=dict(dataset_meta=dict(num_ids=NUM_IDS)),
                    state_dict=model.state_dict()), path)
    return path
