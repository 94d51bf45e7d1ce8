# BoT, the "bag of tricks" strong re-ID baseline (Luo et al., CVPRW 2019):
# ResNet-50 with last stride 1, global average pooling, BNNeck; trained by
# cross-entropy with label smoothing (on the BN feature, through a bias-free
# classifier), batch-hard triplet and center loss (on the feature before the
# BN); tested on the BN feature, L2-normalised.
# ReIDModel hands num_classes (read from the training data by ReIDRunner)
# and the feature length to the neck, head and losses: configs do not write
# them.
model = dict(
    type='ReIDModel',
    data_preprocessor=dict(
        type='ReIDDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='ReIDResNet',
        depth=50,
        strides=(1, 2, 2, 1),  # last stride 1: a 16 x 8 map at 256 x 128
        out_indices=(3, ),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.pytorch.org/models/'
            'resnet50-0676ba61.pth')),
    neck=dict(type='BNNeck', freeze_bias=True),
    head=dict(
        type='ReIDLinearHead',
        loss_cls=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, loss_weight=1.0),
        loss_metric=[
            dict(type='TripletLoss', margin=0.3, distance='euclidean'),
            dict(type='CenterLoss', loss_weight=5e-4),
        ]),
    test_cfg=dict(flip=False, l2_normalize=True),
)
