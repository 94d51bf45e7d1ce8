"""configs/tracking/: our ReIDModel as the `reid` of mmdet 3.x's DeepSORT
and StrongSORT, called exactly as mmdet 3.3.0's trackers call it.

mmdet's tracking code needs mmcv's compiled operators, which this machine
lacks, so the test rebuilds what those lines do (cited per step) around
the model the configs build: the registry lookup of a scoped type, the
crops (mmdet/models/trackers/base_tracker.py crop_imgs), the re-normalisation
(mmdet/models/utils/image.py imrenormalize), ``model.reid(crops,
mode='tensor')`` and ``model.reid.head.out_channels``, and the weights
loading of tools/test_tracking.py (mmengine's load_checkpoint).
"""
import os.path as osp
import re

import mmcv
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.registry import MODELS as ROOT_MODELS
from mmengine.runner import load_checkpoint

import mmreid_dranet  # noqa: F401  (custom_imports of the configs)
from mmreid_dranet.apis import init_model
from mmreid_dranet.apis.export import preprocessing_spec
from tests.helpers import REPO, TINY_CONFIG
from tests.helpers.scripts import load_script

TRACKING = osp.join(REPO, 'configs', 'tracking')
MODELS = dict(
    dranet=(osp.join(REPO, 'configs/dranet/dranet_r50_market_256x128.py'),
            3072),
    bot=(osp.join(REPO, 'configs/baselines/bot_r50_market.py'), 2048))
# The parts of mmdet 3.3.0's configs our configs change, as written there
# (configs/deepsort/deepsort_faster-rcnn_r50_fpn_8xb2-4e_mot17halftrain_
# test-mot17halfval.py, configs/strongsort/strongsort_yolox_x_8xb4-80e_
# crowdhuman-mot17halftrain_test-mot17halfval.py): the _delete_ of our
# configs must leave nothing of mmdet's BaseReID behind.
MMDET_STAND_IN = """
model = dict(
    type='{type}',
    data_preprocessor=dict(type='TrackDataPreprocessor'),
    reid=dict(
        type='BaseReID',
        data_preprocessor=dict(type='mmpretrain.ClsDataPreprocessor'),
        backbone=dict(type='mmpretrain.ResNet', depth=50, num_stages=4,
                      out_indices=(3, ), style='pytorch'),
        neck=dict(type='GlobalAveragePooling', kernel_size=(8, 4), stride=1),
        head=dict(type='LinearReIDHead', num_fcs=1, in_channels=2048,
                  fc_channels=1024, out_channels=128, num_classes=380)),
    tracker=dict(type='{tracker}', reid={tracker_reid}))
"""
MMDET_TRACKER_REID = dict(
    deepsort="dict(num_samples=10, img_scale=(256, 128), img_norm_cfg=None, "
    "match_score_thr=2.0)",
    strongsort="dict(num_samples=None, img_scale=(256, 128), img_norm_cfg="
    "dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], "
    "to_rgb=True), match_score_thr=0.3, motion_weight=0.02)")


def reid_cfg(name):
    return Config.fromfile(
        osp.join(TRACKING, '_base_', f'reid_{name}_r50_256x128.py')).reid


def tracker_inputs():
    return Config.fromfile(osp.join(TRACKING, '_base_',
                                    'tracker_reid_inputs.py'))


@pytest.fixture(scope='module', params=sorted(MODELS))
def built(request):
    """(name, the reid built as mmdet builds it, our config's model with the
    same weights)."""
    torch.manual_seed(0)
    # mmdet's MODELS.build(reid) (mmdet/models/mot/deep_sort.py L39-40): a
    # child of mmengine's root registry; the scoped type finds ours.
    reid = ROOT_MODELS.build(reid_cfg(request.param)).eval()
    ours = init_model(MODELS[request.param][0], None, 'cpu', {
        'model.test_cfg.l2_normalize': True,
        'model.backbone.init_cfg': None
    }, num_classes=751)
    # Same architecture as our config's model: every weight fits.
    missing = ours.load_state_dict(reid.state_dict(), strict=True)
    assert not missing.missing_keys and not missing.unexpected_keys
    return request.param, reid, ours.eval()


def mmdet_crops(img, boxes, img_scale):
    """base_tracker.py crop_imgs (L207-240, rescale False)."""
    h, w = img.shape[2:]
    boxes = boxes.clone()
    boxes[:, 0] = torch.clamp(boxes[:, 0], min=0, max=w - 1)
    boxes[:, 1] = torch.clamp(boxes[:, 1], min=0, max=h - 1)
    boxes[:, 2] = torch.clamp(boxes[:, 2], min=1, max=w)
    boxes[:, 3] = torch.clamp(boxes[:, 3], min=1, max=h)
    crops = []
    for box in boxes:
        x1, y1, x2, y2 = map(int, box)
        crops.append(F.interpolate(img[:, :, y1:y2, x1:x2], size=img_scale,
                                   mode='bilinear', align_corners=False))
    return torch.cat(crops) if crops else img.new_zeros((0, 3,
                                                         *img_scale))


def test_reid_is_called_as_the_trackers_call_it(built):
    name, reid, ours = built
    inputs = tracker_inputs()
    # The crop size the trackers resize to is our test pipeline's.
    spec = preprocessing_spec(ours)
    assert inputs.reid_img_scale == (spec['height'], spec['width'])
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)  # BGR
    # StrongSORT: raw frame, re-normalised with tracker.reid.img_norm_cfg
    # (strongsort_tracker.py L145-152 -> image.py _imrenormalize: the
    # identity denormalisation, then mmcv.imnormalize).
    norm = inputs.reid_img_norm_cfg
    renormalised = mmcv.imnormalize(frame.astype(np.float32),
                                    np.array(norm.mean, np.float32),
                                    np.array(norm.std, np.float32),
                                    norm.to_rgb)
    img = torch.from_numpy(renormalised.transpose(2, 0, 1)[None].copy())
    # It equals our data preprocessor's work on the same pixels, the frame
    # DeepSORT's TrackDataPreprocessor (same mean/std, bgr_to_rgb) gives.
    ours_img = ours.data_preprocessor(
        dict(inputs=[torch.from_numpy(frame.transpose(2, 0, 1).copy())]),
        False)['inputs']
    torch.testing.assert_close(img, ours_img, rtol=0, atol=1e-5)
    boxes = torch.tensor([[10., 20., 74., 148.], [350., 100., 420., 310.],
                          [0., 0., 40., 90.]])
    crops = mmdet_crops(img, boxes, inputs.reid_img_scale)
    with torch.no_grad():
        # sort_tracker.py L177 / L192, strongsort_tracker.py L172 / L192.
        embeds = reid(crops, mode='tensor')
        expected = ours(crops, mode='tensor')
    dim = MODELS[name][1]
    assert embeds.shape == (3, dim) and embeds.dtype == torch.float32
    assert reid.head.out_channels == dim  # L179 / L174, no detection
    torch.testing.assert_close(embeds, expected, rtol=0, atol=1e-5)
    # Unit rows: DeepSORT's torch.cdist (L201) then lies in [0, 2], the
    # range deepsort_match_score_thr is set in.
    torch.testing.assert_close(embeds.norm(dim=1), torch.ones(3))
    distances = torch.cdist(embeds, embeds)
    assert float(distances.max()) <= 2 + 1e-5
    assert 0 < inputs.deepsort_match_score_thr < 2
    assert abs(inputs.deepsort_match_score_thr -
               (2 * inputs.strongsort_match_score_thr)**0.5) < 1e-3
    # Eval mode (the MOT model's test loop): no BatchNorm updates.
    assert not any(m.training for m in reid.modules())


@pytest.mark.parametrize('tracker', ['deepsort', 'strongsort'])
@pytest.mark.parametrize('name', sorted(MODELS))
def test_configs_replace_mmdets_reid_and_set_the_tracker(tracker, name,
                                                         tmp_path):
    path = osp.join(TRACKING, f'{tracker}_{name}_r50_256x128_mot17.py')
    text = open(path).read()
    stand_in = tmp_path / 'mmdet_base.py'
    stand_in.write_text(MMDET_STAND_IN.format(
        type='DeepSORT' if tracker == 'deepsort' else 'StrongSORT',
        tracker='SORTTracker' if tracker == 'deepsort' else
        'StrongSORTTracker', tracker_reid=MMDET_TRACKER_REID[tracker]))
    # The mmdet:: base (two string pieces) -> the stand-in; our bases by
    # absolute path.
    text, count = re.subn(r"'mmdet::[^']*'\s*'[^']*',", repr(str(stand_in))
                          + ',', text)
    assert count == 1
    text = text.replace("'./_base_/", repr(TRACKING + '/_base_/')[:-1])
    (tmp_path / 'cfg.py').write_text(text)
    cfg = Config.fromfile(str(tmp_path / 'cfg.py'))
    assert cfg.custom_imports == dict(imports=['mmreid_dranet'],
                                      allow_failed_imports=False)
    assert cfg.model.reid.to_dict() == reid_cfg(name).to_dict()
    reid = cfg.model.tracker.reid
    inputs = tracker_inputs()
    assert reid.img_scale == inputs.reid_img_scale
    if tracker == 'deepsort':
        assert reid.img_norm_cfg is None
        assert reid.match_score_thr == inputs.deepsort_match_score_thr
    else:
        assert reid.img_norm_cfg == inputs.reid_img_norm_cfg
        assert reid.match_score_thr == inputs.strongsort_match_score_thr


def test_published_weights_load_as_test_tracking_loads_them(tmp_path,
                                                            capsys):
    """tools/test_tracking.py L91-94: load_checkpoint(model.reid, FILE)."""
    torch.manual_seed(0)
    model = init_model(TINY_CONFIG, None, num_classes=8)
    training = str(tmp_path / 'epoch_1.pth')
    buffer = HistoryBuffer()
    buffer.update(1.5)
    torch.save(dict(meta=dict(dataset_meta=dict(num_ids=8), epoch=1,
                              seed=np.int64(3)),
                    state_dict=model.state_dict(),
                    message_hub=dict(log_scalars={'loss': buffer})),
               training)
    target = init_model(TINY_CONFIG, None, num_classes=8)
    # The training checkpoint is refused by torch's weights-only loader...
    with pytest.raises(Exception, match='[Ww]eights only load failed'):
        load_checkpoint(target, training, map_location='cpu')
    # ... the published one loads, with the same numbers.
    published = str(tmp_path / 'reid.pth')
    load_script('tools/model_converters/publish_model.py').main(
        [training, published])
    assert 'sha256' in capsys.readouterr().out
    checkpoint = load_checkpoint(target, published, map_location='cpu')
    assert checkpoint['meta'] == dict(dataset_meta=dict(num_ids=8),
                                      epoch=1, seed=3)
    x = torch.randn(2, 3, 128, 64)
    with torch.no_grad():
        torch.testing.assert_close(target.eval()(x), model.eval()(x))
