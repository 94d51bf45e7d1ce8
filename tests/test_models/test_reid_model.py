"""ReIDModel: the three modes, flip test, baseline head, configs, errors."""
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmpretrain.structures import DataSample

from mmreid_dranet.models import ReIDModel
from mmreid_dranet.registry import MODELS

CONFIGS = osp.join(osp.dirname(__file__), '..', '..', 'configs')
NUM_CLASSES, K = 5, 16


def tiny_model(neck=None, head=None, **kwargs):
    """ResNet-18 (128 output channels) + DRANet, each value written once."""
    torch.manual_seed(0)
    kwargs.setdefault('num_classes', NUM_CLASSES)
    model = ReIDModel(
        backbone=dict(type='ReIDResNet', depth=18, base_channels=16),
        neck=neck or dict(type='DRANeck', reduce_channels=K),
        head=head or dict(type='DRAHead'),
        **kwargs)
    return model


def batch(num=4, height=96, width=32, labels=None):
    generator = torch.Generator().manual_seed(1)
    labels = labels if labels is not None else [i % NUM_CLASSES
                                                for i in range(num)]
    samples = []
    for index, label in enumerate(labels):
        sample = DataSample().set_gt_label(label)
        sample.set_field(100 + index, 'pid', field_type='metainfo')
        sample.set_field(index % 2, 'camid', field_type='metainfo')
        sample.set_field(bool(index % 2), 'is_query', field_type='metainfo')
        sample.set_field(f'/data/{index}.jpg', 'img_path',
                         field_type='metainfo')
        samples.append(sample)
    images = [
        torch.randint(0, 256, (3, height, width), dtype=torch.uint8,
                      generator=generator) for _ in labels
    ]
    return dict(inputs=images, data_samples=samples)


def test_predict_sets_the_embedding_and_keeps_the_metadata():
    model = tiny_model().eval()
    data = model.data_preprocessor(batch(), False)
    with torch.no_grad():
        samples = model(data['inputs'], data['data_samples'], mode='predict')
        embeddings = model(data['inputs'], mode='tensor')
    assert embeddings.shape == (4, 3 * 2 * K)
    for index, sample in enumerate(samples):
        torch.testing.assert_close(sample.pred_feature, embeddings[index])
        assert sample.pid == 100 + index and sample.camid == index % 2
        assert sample.is_query == bool(index % 2)
        assert sample.img_path == f'/data/{index}.jpg'
    bare = model.predict(data['inputs'])
    torch.testing.assert_close(bare[0].pred_feature, embeddings[0])


def test_flip_test_is_the_mean_of_both_embeddings():
    model = tiny_model(test_cfg=dict(flip=True)).eval()
    inputs = torch.randn(2, 3, 96, 32)
    with torch.no_grad():
        flipped = model(inputs, mode='tensor')
        model.test_cfg['flip'] = False
        plain = model(inputs, mode='tensor')
        mirrored = model(torch.flip(inputs, dims=[3]), mode='tensor')
        model.test_cfg['l2_normalize'] = True
        normalised = model(inputs, mode='tensor')
    torch.testing.assert_close(flipped, (plain + mirrored) / 2)
    assert not torch.allclose(plain, mirrored)
    torch.testing.assert_close(normalised, plain / plain.norm(dim=1,
                                                              keepdim=True))


def test_loss_mode_uses_every_parameter():
    model = tiny_model().train()
    data = model.data_preprocessor(batch(), True)
    losses = model(data['inputs'], data['data_samples'], mode='loss')
    assert {'loss_sic', 'loss_rcam', 'loss_rsam'} <= set(losses)
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    unused = [name for name, p in model.named_parameters() if p.grad is None]
    assert unused == []


def test_train_step_sums_only_the_losses():
    model = tiny_model()
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    before = model.neck.branches[0].identity_conv.weight.clone()
    log_vars = model.train_step(batch(), optim)
    expected = sum(log_vars[f'loss_{name}'] for name in ('sic', 'rcam',
                                                         'rsam'))
    torch.testing.assert_close(log_vars['loss'], expected)
    assert 'acc_sic' in log_vars
    assert not torch.equal(before,
                           model.neck.branches[0].identity_conv.weight)


def test_gap_baseline_uses_the_same_model_class():
    model = tiny_model(
        neck=dict(type='mmpretrain.GlobalAveragePooling'),
        head=dict(type='ReIDLinearHead', num_classes=NUM_CLASSES,
                  in_channels=128))
    data = model.data_preprocessor(batch(), True)
    losses = model(data['inputs'], data['data_samples'], mode='loss')
    assert set(losses) == {'loss_cls', 'acc_cls'}
    model.eval()
    with torch.no_grad():
        embedding = model(data['inputs'], mode='tensor')
        pooled = model.backbone(data['inputs'])[-1].mean(dim=(2, 3))
    torch.testing.assert_close(embedding, pooled)


def test_bad_labels_and_sizes_are_reported():
    model = tiny_model()
    # Labels are checked once, by the preprocessor, before they leave the
    # CPU; the message names the sample and the config key.
    with pytest.raises(ValueError, match=r"label 7 of sample '/data/2.jpg' "
                       r'is out of range for model.num_classes=5'):
        model.data_preprocessor(batch(labels=[0, 1, 7]), True)
    with pytest.raises(ValueError, match=r'label -1 '):
        model.data_preprocessor(batch(labels=[-1, 1]), True)
    model.data_preprocessor(batch(labels=[0, 1, 4]), True)  # in range
    model.data_preprocessor(batch(labels=[0, 9]), False)  # not training
    with pytest.raises(ValueError, match=r"model.neck.in_channels=2048 "
                       r"disagrees with the backbone's feat_dim = 128"):
        tiny_model(neck=dict(type='DRANeck', in_channels=2048,
                             reduce_channels=K))
    with pytest.raises(ValueError, match=r'model.neck.num_classes=6 '
                       r'disagrees with model.num_classes = 5'):
        tiny_model(neck=dict(type='DRANeck', reduce_channels=K,
                             num_classes=6))
    with pytest.raises(ValueError, match=r'model.head.in_channels=8 '
                       r'disagrees with the neck \(in_channels=16\)'):
        tiny_model(head=dict(type='DRAHead', in_channels=8))
    with pytest.raises(ValueError, match=r'model.num_classes is not set.*'
                       r'DRAHead needs it.*ReIDRunner'):
        tiny_model(num_classes=None)
    with pytest.raises(ValueError, match=r'positive integer or None, got 0'):
        tiny_model(num_classes=0)
    with pytest.raises(ValueError, match=r'height 1 .*num_parts=3'):
        tiny_model()(torch.randn(1, 3, 16, 32), mode='tensor')
    with pytest.raises(KeyError, match='flip_test'):
        tiny_model(test_cfg=dict(flip_test=True))
    with pytest.raises(ValueError, match="invalid mode 'train'"):
        tiny_model()(torch.randn(1, 3, 96, 32), mode='train')


def test_values_are_handed_to_the_parts_once():
    model = tiny_model(neck=dict(type='DRANeck', reduce_channels=K,
                                 num_parts=2, use_rcam=False))
    assert model.neck.in_channels == model.backbone.feat_dim == 128
    assert (model.head.num_classes, model.head.in_channels,
            model.head.num_parts) == (NUM_CLASSES, K, 2)
    assert not model.head.use_rcam and model.head.rcam_classifiers is None
    assert model.head.use_rsam and len(model.head.rsam_classifiers) == 2
    losses = model(*_preprocessed(model), mode='loss')
    assert set(losses) == {'loss_sic', 'acc_sic', 'loss_rsam', 'acc_rsam'}
    # Repeating a handed value is allowed when it agrees.
    same = tiny_model(head=dict(type='DRAHead', num_classes=NUM_CLASSES,
                                in_channels=K))
    assert same.head.num_classes == NUM_CLASSES
    # A neck without head_args (mmpretrain's GAP) hands the backbone width.
    gap = tiny_model(neck=dict(type='mmpretrain.GlobalAveragePooling'),
                     head=dict(type='ReIDLinearHead'))
    assert gap.head.in_channels == 128 and gap.head.num_classes == 5


def _preprocessed(model):
    data = model.data_preprocessor(batch(), True)
    return data['inputs'], data['data_samples']


def test_dranet_config_builds():
    cfg = Config.fromfile(osp.join(CONFIGS, '_base_', 'models',
                                   'dranet_r50.py'))
    assert cfg.model.backbone.init_cfg.checkpoint.startswith('https://')
    cfg.model.backbone.pop('init_cfg')
    assert 'num_classes' not in cfg.model  # read from the data
    cfg.model.num_classes = 751
    model = MODELS.build(cfg.model)
    assert isinstance(model, ReIDModel)
    assert model.neck.num_classes == model.head.num_classes == 751
    assert model.data_preprocessor.num_classes == 751
    assert model.neck.in_channels == model.backbone.feat_dim == 2048
    assert model.head.in_channels == model.neck.reduce_channels == 512
    assert model.neck.out_channels == 3 * 2 * model.neck.reduce_channels
    assert model.backbone.strides == (1, 2, 2, 1)
    # BGR uint8 files -> RGB, ImageNet-normalised network input.
    image = torch.randint(0, 256, (3, 8, 4), dtype=torch.uint8)
    inputs = model.data_preprocessor(
        dict(inputs=[image], data_samples=None), False)['inputs']
    mean = torch.tensor([123.675, 116.28, 103.53])[:, None, None]
    std = torch.tensor([58.395, 57.12, 57.375])[:, None, None]
    torch.testing.assert_close(inputs[0],
                               (image.flip(0).float() - mean) / std)
    # 384 x 128 -> 24 x 8 feature map, split into stripes of 8 rows.
    feature = torch.randn(1, 2048, 24, 8)
    out = model.neck.forward_train((feature, ), torch.tensor([750]))
    assert [p.attended.shape[2] for p in out.parts] == [8, 8, 8]
    assert F.cross_entropy(out.parts[0].identity_logits,
                           torch.tensor([750])) > 0


def test_builds_under_another_library_default_scope():
    # A plain mmengine Runner built earlier in the process leaves the
    # 'mmengine' scope current; our parts must still be found.
    from mmengine.registry import DefaultScope
    name = 'another-library-runner'
    DefaultScope.get_instance(name, scope_name='mmengine')
    try:
        with DefaultScope.overwrite_default_scope('mmengine'):
            model = tiny_model()
        assert type(model.data_preprocessor).__name__ == \
            'ReIDDataPreprocessor'
        assert type(model.neck).__name__ == 'DRANeck'
    finally:
        DefaultScope._instance_dict.pop(name, None)
