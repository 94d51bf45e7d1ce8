# BoT, Market-1501, 256x128, on RegNetX-3.2GF: the recipe of
# bot_r50_market.py; only the backbone changes (see the backbone file).
_base_ = [
    './bot_r50_market.py',
    '../_base_/models/backbones/regnetx_3.2gf.py',
]

model = dict(backbone={{_base_.backbone}})
