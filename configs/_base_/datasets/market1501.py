# Market-1501 as downloaded: data/market1501/Market-1501-v15.09.15/
#   bounding_box_train/  query/  bounding_box_test/
dataset_type = 'Market1501'
data_root = 'data/market1501/Market-1501-v15.09.15'

# Images stay BGR uint8 until the model's data preprocessor
# (mmpretrain.ClsDataPreprocessor, to_rgb=True) normalises them.
# mmcv's transforms sit in mmengine's root registry (plain names); mmpretrain's
# in its own scope (prefixed names).
train_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='Resize', scale=(128, 384)),  # (w, h)
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.RandomCrop', crop_size=(384, 128), padding=10),
    # RE-M of the random-erasing paper: fill with the ImageNet mean (BGR).
    dict(type='mmpretrain.RandomErasing', erase_prob=0.5, min_area_ratio=0.02,
         max_area_ratio=0.4, mode='const', fill_color=(104, 116, 124)),
    dict(type='mmpretrain.PackInputs',
         algorithm_keys=('pid', 'camid', 'is_query')),
]
test_pipeline = [
    dict(type='StrictLoadImageFromFile'),
    dict(type='Resize', scale=(128, 384)),
    dict(type='mmpretrain.PackInputs',
         algorithm_keys=('pid', 'camid', 'is_query', 'pid_name')),
]

# Training batches of 16 identities x 4 images per GPU. ReIDRunner sets the
# per-GPU batch_size to num_ids x ins_per_id: write only the sampler's two.
train_dataloader = dict(
    num_workers=4,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='IdentityBalancedSampler', num_ids=16, ins_per_id=4),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='test',
                 pipeline=test_pipeline),
)
test_dataloader = val_dataloader

val_evaluator = dict(type='ReIDMetric')
test_evaluator = val_evaluator
