# DRANet, Market-1501, 384x128, on ResNeSt-50: the recipe of
# dranet_r50_market.py; only the backbone changes (see the backbone file).
# ReIDModel hands the DRANet neck the backbone's output channels.
_base_ = [
    './dranet_r50_market.py',
    '../_base_/models/backbones/resnest50.py',
]

model = dict(backbone={{_base_.backbone}})
