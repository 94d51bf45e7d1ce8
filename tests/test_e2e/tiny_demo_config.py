# The demo config shrunk for tests: tiny widths so that a CPU epoch on the
# conftest's synthetic set (8 training identities) takes about a second.
# num_classes and the batch size (4 x 2) come from the data and the sampler.
_base_ = ['../../configs/dranet/dranet_demo_synthetic.py']

model = dict(
    backbone=dict(stem_channels=8, base_channels=8),
    neck=dict(reduce_channels=16))

train_dataloader = dict(
    num_workers=0, persistent_workers=False,
    sampler=dict(num_ids=4, ins_per_id=2))
val_dataloader = dict(batch_size=16, num_workers=0, persistent_workers=False)
test_dataloader = val_dataloader

param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[3])]
train_cfg = dict(max_epochs=4, val_interval=4)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval=1, max_keep_ckpts=10, save_best=None))
