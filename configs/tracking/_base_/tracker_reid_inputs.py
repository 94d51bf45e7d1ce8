# What mmdet 3.x's SORTTracker / StrongSORTTracker must feed our ReIDModel,
# and their distance thresholds for it: the `model.tracker.reid` entries of
# the configs of this folder (the model itself: reid_*_256x128.py here).
#
# The contract (mmdet 3.3.0):
# - mmdet/models/trackers/sort_tracker.py L174-179, L190-192 (and
#   strongsort_tracker.py L169-174, L190-192): the tracker crops the frame
#   (base_tracker.py crop_imgs, L186-240), resizes each crop to
#   tracker.reid.img_scale = (H, W) with F.interpolate (bilinear), and calls
#   `model.reid(crops, mode='tensor')` on the N x 3 x H x W float crops,
#   normalised as the frame is (DeepSORT: the TrackDataPreprocessor's
#   mean/std, BGR -> RGB) or re-normalised with tracker.reid.img_norm_cfg
#   (StrongSORT, L145-154): our data preprocessor is not run, so the crops
#   must arrive as it would make them. ReIDModel.forward(mode='tensor')
#   returns ReIDModel.embed: N x D, test_cfg applied.
# - With no detection it reads `model.reid.head.out_channels` (L179 / L174):
#   DRAHead and ReIDLinearHead give the embedding length under that name.
# - Weights: tools/test_tracking.py L91-94 `load_checkpoint(model.reid,
#   args.reid)` (mmengine's load_checkpoint: torch.load with torch's
#   weights-only unpickler, torch >= 2.6): give a file from
#   tools/model_converters/publish_model.py (weights and plain metadata
#   only); a training checkpoint (message hub, optimizer) is refused there.

# tracker.reid entries that depend on the re-ID model: its input size
# (H, W) = the test pipeline's Resize, and its mean/std/channel order.
reid_img_scale = (256, 128)
reid_img_norm_cfg = dict(
    mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
# DeepSORT compares embeddings by Euclidean distance (torch.cdist,
# sort_tracker.py L201) against match_score_thr (L219); mmdet's 2.0 is set
# for its own unnormalised 128-d features and would accept every pair of
# unit vectors (distance <= 2). 0.775 = sqrt(2 * 0.3) is the Euclidean
# distance of unit vectors at cosine distance 0.3, StrongSORT's threshold
# (strongsort_tracker.py L201-223: cosine distance, mixed with 0.02 of the
# motion cost). Calibrate both on your own labelled tracks.
deepsort_match_score_thr = 0.775
strongsort_match_score_thr = 0.3
