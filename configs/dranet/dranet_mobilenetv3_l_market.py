# DRANet, Market-1501, 384x128, on MobileNetV3-Large: the recipe of
# dranet_r50_market.py; only the backbone changes (see the backbone file).
# ReIDModel hands the DRANet neck the backbone's output channels.
_base_ = [
    './dranet_r50_market.py',
    '../_base_/models/backbones/mobilenetv3_l.py',
]

model = dict(backbone={{_base_.backbone}})
