# mmdet 3.x's StrongSORT (YOLOX-X detector, MOT17 half-val) with our
# BoT ResNet-50 256x128 ReIDModel as its re-ID model, in place of
# mmdet's BaseReID. Runs where full mmcv (compiled ops) and mmdet 3.x are
# installed, with mmreid_dranet importable:
#   python $MMDET/tools/test_tracking.py \
#       configs/tracking/strongsort_bot_r50_256x128_mot17.py \
#       --detector YOLOX.pth --reid REID_PUBLISHED.pth
# What the tracker feeds the model, and why the threshold is what it is:
# _base_/tracker_reid_inputs.py.
_base_ = [
    'mmdet::strongsort/strongsort_yolox_x_8xb4-80e_crowdhuman-'
    'mot17halftrain_test-mot17halfval.py',
    './_base_/reid_bot_r50_256x128.py',
    './_base_/tracker_reid_inputs.py',
]
custom_imports = dict(imports=['mmreid_dranet'], allow_failed_imports=False)

model = dict(
    # _delete_: replace mmdet's BaseReID dict rather than merge into it.
    reid=dict(_delete_=True, **_base_.reid),
    tracker=dict(
        reid=dict(
            img_scale=_base_.reid_img_scale,
            # YOLOX frames are not normalised: the tracker re-normalises
            # the crops with our mean/std and BGR -> RGB.
            img_norm_cfg=_base_.reid_img_norm_cfg,
            match_score_thr=_base_.strongsort_match_score_thr)))
