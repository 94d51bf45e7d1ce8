# BoT baseline, ResNet-50 (last stride 1), Market-1501, 256x128, 120 epochs:
# the published recipe (Luo et al., "Bag of Tricks and A Strong Baseline for
# Deep Person Re-identification", CVPRW 2019).
_base_ = [
    '../_base_/models/bot_r50.py',
    # 256x128, flip, pad 10 + crop, random erasing (p 0.5, area 0.02-0.4,
    # ImageNet-mean fill); P x K = 16 identities x 4 images = 64.
    '../_base_/datasets/market1501_256x128.py',
    '../_base_/default_runtime.py',
]

# Adam at 3.5e-4 for every parameter (no lower backbone rate), weight decay
# 5e-4; the center-loss centers without decay (they are targets, not
# weights). BoT steps the centers with a separate SGD at lr 0.5; here they
# share the Adam (mmengine has one optimizer per model).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=3.5e-4, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={'centers': dict(decay_mult=0.0)}))
# Linear warm-up from 3.5e-5 over 10 epochs; x0.1 at epochs 40 and 70.
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=10,
         convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, milestones=[40, 70], gamma=0.1),
]
train_cfg = dict(by_epoch=True, max_epochs=120, val_interval=40)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(checkpoint=dict(interval=40))
# The rates above are for a total batch of 64; --auto-scale-lr rescales.
auto_scale_lr = dict(base_batch_size=64, enable=False)
