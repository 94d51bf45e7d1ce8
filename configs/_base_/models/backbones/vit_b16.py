# mmpretrain's ViT-B/16 built for 256x128 crops (16 x 8 patches; the
# ImageNet position embeddings are resized when the weights load). The
# output is the class token (out_type='cls_token', N x 768), which BNNeck
# takes as it is (pooling='avg', its default); the DRANet neck needs a
# convolutional map and is not offered on ViT. ImageNet-21k pre-trained,
# ImageNet-1k fine-tuned weights: mmpretrain's model zoo.
# Model configs take it with model = dict(backbone={{_base_.backbone}});
# _delete_ replaces the ReIDResNet keys of the model base.
backbone = dict(
    _delete_=True,
    type='mmpretrain.VisionTransformer',
    arch='b',
    img_size=(256, 128),
    patch_size=16,
    out_type='cls_token',
    drop_path_rate=0.1,
    init_cfg=dict(
        type='Pretrained',
        checkpoint='https://download.openmmlab.com/mmclassification/v0/'
        'vit/finetune/vit-base-p16_in21k-pre-3rdparty_ft-64xb64_in1k-384'
        '_20210928-98e8652b.pth',
        prefix='backbone.'))
