# mmdet 3.x's DeepSORT (Faster R-CNN detector, MOT17 half-val) with our
# DRANet ResNet-50 256x128 ReIDModel as its re-ID model, in place of
# mmdet's BaseReID. Runs where full mmcv (compiled ops) and mmdet 3.x are
# installed, with mmreid_dranet importable:
#   python $MMDET/tools/test_tracking.py \
#       configs/tracking/deepsort_dranet_r50_256x128_mot17.py \
#       --reid REID_PUBLISHED.pth   (tools/model_converters/publish_model.py)
# What the tracker feeds the model, and why the threshold is what it is:
# _base_/tracker_reid_inputs.py.
_base_ = [
    'mmdet::deepsort/deepsort_faster-rcnn_r50_fpn_8xb2-4e_'
    'mot17halftrain_test-mot17halfval.py',
    './_base_/reid_dranet_r50_256x128.py',
    './_base_/tracker_reid_inputs.py',
]
custom_imports = dict(imports=['mmreid_dranet'], allow_failed_imports=False)

model = dict(
    # _delete_: replace mmdet's BaseReID dict rather than merge into it.
    reid=dict(_delete_=True, **_base_.reid),
    tracker=dict(
        reid=dict(
            img_scale=_base_.reid_img_scale,
            # The frames are already normalised as our model expects
            # (TrackDataPreprocessor: the same mean/std, BGR -> RGB).
            img_norm_cfg=None,
            match_score_thr=_base_.deepsort_match_score_thr)))
