# The 256x128 DRANet (configs/dranet/dranet_r50_market_256x128.py) as the
# `reid` of mmdet 3.x's DeepSORT / StrongSORT (model.reid of the configs of
# this folder; what the trackers feed it: tracker_reid_inputs.py).
# tests/test_configs/test_tracking_configs.py builds it and checks it
# against the 256x128 config's model: same weights, same embedding.
# DRAHead.out_channels (read by the trackers when a frame has no
# detection) = num_parts * 2K = 3072.
reid = dict(
    type='mmreid_dranet.ReIDModel',
    # The classifiers are not used by the embedding; their size must be
    # the checkpoint's training identities (Market-1501: 751) for the
    # weights to load without size-mismatch warnings.
    num_classes=751,
    data_preprocessor=dict(
        type='ReIDDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='ReIDResNet', depth=50, strides=(1, 2, 2, 1), out_indices=(3, ),
        init_cfg=None),
    neck=dict(
        type='DRANeck', num_parts=3, reduce_channels=512, se_ratio=16,
        alpha_c=1.0, alpha_s=1.0, use_rcam=True, use_rsam=True,
        map_norm='minmax', detach_reverse=True),
    head=dict(
        type='DRAHead',
        loss_cls=dict(type='CrossEntropyLoss', loss_weight=1.0),
        loss_weights=dict(sic=1.0, rcam=1.0, rsam=1.0)),
    # One pass per crop (no flip: the tracker embeds every detection of
    # every frame); unit-length embeddings, so that the Euclidean distance
    # of DeepSORT has a known range (0..2).
    test_cfg=dict(flip=False, l2_normalize=True),
    # Weights: tools/test_tracking.py --reid FILE (mmdet's tools do not
    # run init_cfg when testing).
    init_cfg=None)
