# DRANet on ResNet-50 with last stride 1 (Market-1501: 751 identities).
# Set num_classes of BOTH neck and head to the training identities of your
# data set (NumClassesCheckHook checks them at start-up).
num_classes = 751
reduce_channels = 512  # K: the embedding is num_parts * 2 * K = 3072
num_parts = 3

model = dict(
    type='ReIDModel',
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='ReIDResNet',
        depth=50,
        strides=(1, 2, 2, 1),
        out_indices=(3, ),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.pytorch.org/models/'
            'resnet50-0676ba61.pth')),
    neck=dict(
        type='DRANeck',
        in_channels=2048,
        num_parts=num_parts,
        reduce_channels=reduce_channels,
        num_classes=num_classes,
        se_ratio=16,
        alpha_c=1.0,
        alpha_s=1.0,
        use_rcam=True,
        use_rsam=True,
        map_norm='minmax',
        detach_reverse=True),
    head=dict(
        type='DRAHead',
        num_classes=num_classes,
        in_channels=reduce_channels,
        num_parts=num_parts,
        use_rcam=True,
        use_rsam=True,
        label_smoothing=0.0,
        loss_weights=dict(sic=1.0, rcam=1.0, rsam=1.0)),
    test_cfg=dict(flip=False, l2_normalize=False),
)
