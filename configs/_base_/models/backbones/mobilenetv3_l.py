# mmpretrain's MobileNetV3-Large: the small backbone for CPUs; 960 output
# channels at stride 32 (ReIDModel finds them). ImageNet weights:
# mmpretrain's model zoo.
# Model configs take it with model = dict(backbone={{_base_.backbone}});
# _delete_ replaces the ReIDResNet keys of the model base.
backbone = dict(
    _delete_=True,
    type='mmpretrain.MobileNetV3',
    arch='large',
    init_cfg=dict(
        type='Pretrained',
        checkpoint='https://download.openmmlab.com/mmclassification/v0/'
        'mobilenet_v3/mobilenet-v3-large_8xb128_in1k_20221114-0ed9ed9a.pth',
        prefix='backbone.'))
