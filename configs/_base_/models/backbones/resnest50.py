# mmpretrain's ResNeSt-50 (split attention) as it is, with last stride 1 as
# the ResNet-50 of the re-ID configs; 2048 output channels (ReIDModel finds
# them). The ImageNet weights are OpenMMLab's converted ResNeSt-50 (mmcls v0
# model zoo; mmpretrain 1.2 lists none for ResNeSt).
# Model configs take it with model = dict(backbone={{_base_.backbone}});
# _delete_ replaces the ReIDResNet keys of the model base.
backbone = dict(
    _delete_=True,
    type='mmpretrain.ResNeSt',
    depth=50,
    strides=(1, 2, 2, 1),
    out_indices=(3, ),
    init_cfg=dict(
        type='Pretrained',
        checkpoint='https://download.openmmlab.com/mmclassification/v0/'
        'resnest/resnest50_imagenet_converted-1ebf0afe.pth',
        prefix='backbone.'))
