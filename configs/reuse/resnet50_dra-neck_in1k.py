# The DRANet neck inside an mmpretrain ImageNet classifier: no custom_imports,
# the 'mmreid_dranet.' scope prefix makes mmengine import our registry, whose
# locations import the models.
_base_ = 'mmpretrain::resnet/resnet50_8xb32_in1k.py'

# num_classes=None: CIC + SIC only (no class maps, no RSAM), so every
# parameter is used by forward() and DDP needs no find_unused_parameters.
# One part: ImageNet objects are not aligned in horizontal bands like
# pedestrians. K=1024 keeps the classifier input at 2 * 1024 = 2048.
model = dict(
    neck=dict(
        _delete_=True,
        type='mmreid_dranet.DRANeck',
        in_channels=2048,
        num_parts=1,
        reduce_channels=1024,
        num_classes=None),
    head=dict(in_channels=2048),
)
