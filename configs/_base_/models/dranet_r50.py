# DRANet on ResNet-50 with last stride 1.
# Each hyperparameter is written once: ReIDModel hands num_classes to the
# neck and head, the backbone's output channels to the neck, and K, the part
# count and the RCAM/RSAM switches from the neck to the head.
# num_classes (training identities) is read from the training split by
# ReIDRunner; write `model = dict(num_classes=N)` only to fix it (a count
# that disagrees with the data then stops the run at start-up).
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
        strides=(1, 2, 2, 1),
        out_indices=(3, ),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.pytorch.org/models/'
            'resnet50-0676ba61.pth')),
    neck=dict(
        type='DRANeck',
        num_parts=3,
        reduce_channels=512,  # K: the embedding is num_parts * 2 * K = 3072
        se_ratio=16,
        alpha_c=1.0,
        alpha_s=1.0,
        use_rcam=True,
        use_rsam=True,
        map_norm='minmax',
        detach_reverse=True),
    # The paper's three softmax losses: plain cross-entropy of every branch
    # (label smoothing: loss_cls=dict(type='LabelSmoothLoss',
    # label_smooth_val=0.1)). No metric loss: a child config adds one with
    # head=dict(loss_metric=dict(type='TripletLoss', margin=0.3)).
    head=dict(
        type='DRAHead',
        loss_cls=dict(type='CrossEntropyLoss', loss_weight=1.0),
        loss_weights=dict(sic=1.0, rcam=1.0, rsam=1.0)),
    test_cfg=dict(flip=False, l2_normalize=False),
)
