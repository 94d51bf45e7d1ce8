# DRANet, Market-1501, 384x128, on ResNet-50-IBN-a: the recipe of
# dranet_r50_market.py; only the backbone changes (see the backbone file).
# ReIDModel hands the DRANet neck the backbone's output channels.
_base_ = [
    './dranet_r50_market.py',
    '../_base_/models/backbones/resnet50_ibn_a.py',
]

model = dict(backbone={{_base_.backbone}})
