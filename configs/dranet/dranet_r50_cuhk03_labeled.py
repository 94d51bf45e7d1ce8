# DRANet, ResNet-50 (last stride 1), CUHK03-NP labeled (767/700),
# 384x128, 60 epochs.
_base_ = [
    '../_base_/models/dranet_r50.py',
    '../_base_/datasets/cuhk03_labeled.py',
    '../_base_/schedules/sgd_60e_warmup.py',
    '../_base_/default_runtime.py',
]
