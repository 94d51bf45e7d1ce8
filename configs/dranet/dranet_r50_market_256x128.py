# DRANet, ResNet-50 (last stride 1), Market-1501, 256x128 input (feature map
# 16x8), 60 epochs.
_base_ = [
    '../_base_/models/dranet_r50.py',
    '../_base_/datasets/market1501_256x128.py',
    '../_base_/schedules/sgd_60e_warmup.py',
    '../_base_/default_runtime.py',
]
