# The BoT baseline, ResNet-50 at 256x128 (configs/baselines/bot_r50_market.py)
# as the `reid` of mmdet 3.x's DeepSORT / StrongSORT (model.reid of the
# configs of this folder; what the trackers feed it: tracker_reid_inputs.py).
# tests/test_configs/test_tracking_configs.py builds it and checks it
# against the BoT config's model: same weights, same embedding.
# ReIDLinearHead.out_channels (read by the trackers when a frame has no
# detection) = 2048, the BN feature it classifies.
reid = dict(
    type='mmreid_dranet.ReIDModel',
    # The classifier is not used by the embedding; its size must be the
    # checkpoint's training identities (Market-1501: 751) for the weights
    # to load without size-mismatch warnings.
    num_classes=751,
    data_preprocessor=dict(
        type='ReIDDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='ReIDResNet', depth=50, strides=(1, 2, 2, 1), out_indices=(3, ),
        init_cfg=None),
    neck=dict(type='BNNeck', freeze_bias=True),
    head=dict(
        type='ReIDLinearHead',
        loss_cls=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, loss_weight=1.0),
        loss_metric=[
            dict(type='TripletLoss', margin=0.3, distance='euclidean'),
            dict(type='CenterLoss', loss_weight=5e-4),
        ]),
    # One pass per crop, unit-length embeddings (as BoT tests).
    test_cfg=dict(flip=False, l2_normalize=True),
    # Weights: tools/test_tracking.py --reid FILE (mmdet's tools do not
    # run init_cfg when testing).
    init_cfg=None)
