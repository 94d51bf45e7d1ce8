# DRANet, ResNet-50 (last stride 1), DukeMTMC-reID, 384x128, 60 epochs.
_base_ = [
    '../_base_/models/dranet_r50.py',
    '../_base_/datasets/dukemtmcreid.py',
    '../_base_/schedules/sgd_60e_warmup.py',
    '../_base_/default_runtime.py',
]
