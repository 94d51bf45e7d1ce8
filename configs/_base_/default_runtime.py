# Runtime settings shared by every mmreid_dranet config.
default_scope = 'mmreid_dranet'
# Reads model.num_classes from the training data and the train batch size
# from the identity sampler (mmreid_dranet/engine/runner.py).
# The scope prefix finds it from any registry and any current default scope
# (mmengine's root RUNNERS, as mmdet/mmpretrain train.py use, included).
runner_type = 'mmreid_dranet.ReIDRunner'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook', interval=10, max_keep_ckpts=3,
        save_best='reid/mAP', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # Ranked lists of the worst/best queries at each validation, through the
    # visualizer's backends (opt-in: enable=True; tools/test.py --show-dir).
    visualization=dict(type='ReIDVisualizationHook', enable=False),
)

env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches to 'gloo' on a machine without CUDA.
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ReIDVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
# The console shows progress, metrics, warnings and errors; the environment,
# this config and the hook table go to the work dir's log file only. True
# (the tools' --verbose) prints them on the console too.
verbose_console = False
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)

# Fail at start-up when a num_classes written in the config differs from the
# training identities, or a batch size from the identity sampler's P x K.
custom_hooks = [
    dict(type='NumClassesCheckHook'),
    dict(type='SamplerBatchCheckHook'),
    dict(type='FiniteLossHook'),
]
# Stop at the first NaN/inf loss, naming the step and the loss term, before
# the diverged weights are saved (FiniteLossHook). False trains on.
check_finite_loss = True
