# mmpretrain's RegNetX-3.2GF as it is, with last stride 1 (RegNet takes the
# strides of its four stages); 1008 output channels (ReIDModel finds them).
# ImageNet weights: mmpretrain's model zoo.
# Model configs take it with model = dict(backbone={{_base_.backbone}});
# _delete_ replaces the ReIDResNet keys of the model base.
backbone = dict(
    _delete_=True,
    type='mmpretrain.RegNet',
    arch='regnetx_3.2gf',
    strides=(2, 2, 2, 1),
    out_indices=(3, ),
    init_cfg=dict(
        type='Pretrained',
        checkpoint='https://download.openmmlab.com/mmclassification/v0/'
        'regnet/regnetx-3.2gf_8xb64_in1k_20211213-1fdd82ae.pth',
        prefix='backbone.'))
