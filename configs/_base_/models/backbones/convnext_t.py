# mmpretrain's ConvNeXt-T, stride 32. gap_before_final_norm=False keeps the
# N x 768 x H x W map (its final LayerNorm per position), which both the
# BNNeck and the DRANet neck need; with True the backbone would pool itself.
# ImageNet weights: mmpretrain's model zoo.
# Model configs take it with model = dict(backbone={{_base_.backbone}});
# _delete_ replaces the ReIDResNet keys of the model base.
backbone = dict(
    _delete_=True,
    type='mmpretrain.ConvNeXt',
    arch='tiny',
    out_indices=(3, ),
    gap_before_final_norm=False,
    init_cfg=dict(
        type='Pretrained',
        checkpoint='https://download.openmmlab.com/mmclassification/v0/'
        'convnext/convnext-tiny_32xb128_in1k_20221207-998cf3e9.pth',
        prefix='backbone.'))
