# The `make demo` job: DRANet on the embedded synthetic data set
# (tools/dataset_converters/make_synthetic_data.py), small enough for 2 CPU
# cores.
# Same method as the paper configs: P=3 parts, RCAM + RSAM, three losses;
# only the sizes shrink (ResNet-18 at half width, K=64, 128x64 input) and the
# backbone trains from scratch (no pretrained weights offline).
_base_ = ['./dranet_r50_market.py']

data_root = 'data/synthetic_market'

model = dict(
    backbone=dict(depth=18, stem_channels=32, base_channels=32,
                  init_cfg=None),
    neck=dict(reduce_channels=64))

train_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='Resize', scale=(64, 128)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.RandomCrop', crop_size=(128, 64), padding=6),
    dict(type='mmpretrain.RandomErasing', erase_prob=0.5, min_area_ratio=0.02,
         max_area_ratio=0.3, mode='const', fill_color=(104, 116, 124)),
    dict(type='mmpretrain.PackInputs',
         algorithm_keys=('pid', 'camid', 'is_query')),
]
test_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='Resize', scale=(64, 128)),
    dict(type='mmpretrain.PackInputs',
         algorithm_keys=('pid', 'camid', 'is_query', 'pid_name')),
]
train_dataloader = dict(
    num_workers=2,
    sampler=dict(num_ids=8, ins_per_id=4),
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64, num_workers=2,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

# From scratch: the backbone learns at the full rate.
optim_wrapper = dict(
    optimizer=dict(lr=0.05),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=1.0)}))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.05, by_epoch=True, begin=0, end=2,
         convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, milestones=[14, 20], gamma=0.1),
]
train_cfg = dict(max_epochs=24, val_interval=8)
# The lr above is for this config's own batch of 8 x 4 = 32.
auto_scale_lr = dict(base_batch_size=32)

# The logger keeps the base's interval of 50 iterations: one progress line
# per epoch here (21 iterations), the console of `make demo` stays short.
default_hooks = dict(checkpoint=dict(interval=4, max_keep_ckpts=2))
