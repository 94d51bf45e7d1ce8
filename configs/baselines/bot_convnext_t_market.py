# BoT, Market-1501, 256x128, on ConvNeXt-T: the recipe of
# bot_r50_market.py; only the backbone changes (see the backbone file).
_base_ = [
    './bot_r50_market.py',
    '../_base_/models/backbones/convnext_t.py',
]

model = dict(backbone={{_base_.backbone}})
