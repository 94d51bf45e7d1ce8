# The strong-2019-baseline recipe (PCB / BoT style) used for DRANet:
# SGD with momentum, backbone at 0.1x the learning rate of the new layers,
# 10 epochs of linear warm-up, step decay at epochs 40 and 55, 60 epochs.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4,
                   nesterov=True),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}),
)

param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=10,
         convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, milestones=[40, 55], gamma=0.1),
]

train_cfg = dict(by_epoch=True, max_epochs=60, val_interval=10)
val_cfg = dict()
test_cfg = dict()

# The learning rate above is for a total batch of 64 (e.g. 1 GPU x 64, or
# 4 GPUs x 16). `--auto-scale-lr` rescales it linearly to the real batch.
auto_scale_lr = dict(base_batch_size=64, enable=False)
