# ResNet-50-IBN-a (Pan et al., ECCV 2018; IBN-Net's resnet50_ibn_a): half
# instance, half batch normalisation in layer1-3; last stride 1 as the
# ResNet-50 of the re-ID configs (ResNetIBN's default). The published
# ImageNet weights load by their own key names.
# Model configs take it with model = dict(backbone={{_base_.backbone}});
# _delete_ replaces the ReIDResNet keys of the model base.
backbone = dict(
    _delete_=True,
    type='ResNetIBN',
    depth=50,
    init_cfg=dict(
        type='Pretrained',
        checkpoint='https://github.com/XingangPan/IBN-Net/releases/'
        'download/v1.0/resnet50_ibn_a-d9d0bb7b.pth'))
