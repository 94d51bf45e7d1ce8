# Market-1501 at 256x128 input (a 16x8 feature map with last stride 1), the
# size of the 256x128 DRANet variant and of the BoT baseline. mmengine fixes
# a base's pipeline lists when it loads the base, so the size change restates
# them here, once.
_base_ = ['./market1501.py']

train_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='Resize', scale=(128, 256)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.RandomCrop', crop_size=(256, 128), padding=10),
    dict(type='mmpretrain.RandomErasing', erase_prob=0.5, min_area_ratio=0.02,
         max_area_ratio=0.4, mode='const', fill_color=(104, 116, 124)),
    dict(type='mmpretrain.PackInputs',
         algorithm_keys=('pid', 'camid', 'is_query')),
]
test_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='Resize', scale=(128, 256)),
    dict(type='mmpretrain.PackInputs',
         algorithm_keys=('pid', 'camid', 'is_query', 'pid_name')),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
