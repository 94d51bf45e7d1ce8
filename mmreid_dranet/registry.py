"""Registries of the ``mmreid_dranet`` scope.

Every registry is a child of mmengine's root registry of the same kind, so
that a config of another OpenMMLab library can say
``type='mmreid_dranet.DRANeck'``: mmengine then imports this module, finds the
child scope and imports the ``locations`` below, with no manual import and no
``custom_imports``.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import \
    WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

SCOPE = 'mmreid_dranet'


def _child(name, parent, *locations):
    return Registry(
        name, parent=parent, scope=SCOPE, locations=list(locations))


RUNNERS = _child('runner', MMENGINE_RUNNERS, 'mmreid_dranet.engine')
LOOPS = _child('loop', MMENGINE_LOOPS)
HOOKS = _child('hook', MMENGINE_HOOKS, 'mmreid_dranet.engine')
LOG_PROCESSORS = _child('log processor', MMENGINE_LOG_PROCESSORS)
OPTIMIZERS = _child('optimizer', MMENGINE_OPTIMIZERS)
OPTIM_WRAPPERS = _child('optim wrapper', MMENGINE_OPTIM_WRAPPERS)
OPTIM_WRAPPER_CONSTRUCTORS = _child('optimizer wrapper constructor',
                                    MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = _child('parameter scheduler', MMENGINE_PARAM_SCHEDULERS)

DATASETS = _child('dataset', MMENGINE_DATASETS, 'mmreid_dranet.datasets')
DATA_SAMPLERS = _child('data sampler', MMENGINE_DATA_SAMPLERS,
                       'mmreid_dranet.datasets.samplers')
TRANSFORMS = _child('transform', MMENGINE_TRANSFORMS,
                    'mmreid_dranet.datasets.transforms')

MODELS = _child('model', MMENGINE_MODELS, 'mmreid_dranet.models')
MODEL_WRAPPERS = _child('model_wrapper', MMENGINE_MODEL_WRAPPERS)
WEIGHT_INITIALIZERS = _child('weight initializer',
                             MMENGINE_WEIGHT_INITIALIZERS)
TASK_UTILS = _child('task util', MMENGINE_TASK_UTILS)

METRICS = _child('metric', MMENGINE_METRICS, 'mmreid_dranet.evaluation')
EVALUATORS = _child('evaluator', MMENGINE_EVALUATOR)

VISUALIZERS = _child('visualizer', MMENGINE_VISUALIZERS,
                     'mmreid_dranet.visualization')
VISBACKENDS = _child('vis_backend', MMENGINE_VISBACKENDS)
FUNCTIONS = _child('function', MMENGINE_FUNCTIONS)
