# BoT, Market-1501, 256x128, on ResNet-50-IBN-a: the recipe of
# bot_r50_market.py; only the backbone changes (see the backbone file).
_base_ = [
    './bot_r50_market.py',
    '../_base_/models/backbones/resnet50_ibn_a.py',
]

model = dict(backbone={{_base_.backbone}})
