"""Misspelt config keys, named with the nearest valid ones before a build.

mmengine builds each ``dict(type=..., key=value)`` as ``cls(**kwargs)``, so
a misspelt key (``train_cfg.max_epoch``, ``model.neck.use_rcm``) ends in a
bare ``TypeError: __init__() got an unexpected keyword argument``, with
neither the key's place in the config nor the key meant.
:func:`check_config_keys` compares every typed dict of a config with the
arguments of the class it names, before anything is built.
"""
import difflib
import inspect
from typing import Iterator, List, Optional, Tuple

from mmreid_dranet import registry as scope

# mmengine's loops when a loop config names no type.
TRAIN_LOOPS = {True: 'EpochBasedTrainLoop', False: 'IterBasedTrainLoop'}
DEFAULT_LOOPS = dict(val_cfg='ValLoop', test_cfg='TestLoop')
# Keys mmengine takes out of a config before it calls the class.
CONSUMED_KEYS = {
    'hook': {'priority'},
    'parameter scheduler': {'convert_to_iter_based'},
    'optim wrapper': {'constructor', 'paramwise_cfg', 'optimizer'},
}
# Where a top-level key's typed dicts are registered.
TOP_LEVEL = dict(
    model=scope.MODELS,
    default_hooks=scope.HOOKS,
    custom_hooks=scope.HOOKS,
    param_scheduler=scope.PARAM_SCHEDULERS,
    optim_wrapper=scope.OPTIM_WRAPPERS,
    val_evaluator=scope.METRICS,
    test_evaluator=scope.METRICS,
    visualizer=scope.VISUALIZERS,
    train_dataloader=scope.DATASETS,
    val_dataloader=scope.DATASETS,
    test_dataloader=scope.DATASETS,
)
# Inside a typed dict, keys whose dicts belong to another registry; None:
# not checked (weight initialisers are matched by mmengine its own way).
CHILD_REGISTRIES = dict(
    pipeline=scope.TRANSFORMS,
    transforms=scope.TRANSFORMS,
    datasets=scope.DATASETS,
    dataset=scope.DATASETS,
    sampler=scope.DATA_SAMPLERS,
    batch_sampler=scope.DATA_SAMPLERS,
    optimizer=scope.OPTIMIZERS,
    vis_backends=scope.VISBACKENDS,
    init_cfg=None,
)


class ConfigKeyError(ValueError):
    """Config keys that no argument of their class takes."""


def check_config_keys(cfg) -> None:
    """Raise naming every config key that its class does not take.

    The typed dicts (``type=...``) of the model and its parts, the
    train/val/test loops (``train_cfg`` without a type is mmengine's
    ``EpochBasedTrainLoop`` or ``IterBasedTrainLoop`` by ``by_epoch``),
    the datasets, samplers and transforms of the dataloaders, the hooks,
    parameter schedulers, the optimizer wrapper and its optimizer, the
    evaluators and the visualizer are compared with their class's
    arguments (``inspect.signature``; a class taking ``**kwargs`` is
    followed to the parent class it passes them to). Types that cannot be
    resolved, and classes whose ``**kwargs`` lead nowhere known, are left
    to mmengine.

    Args:
        cfg (Config | dict): The config.

    Raises:
        ConfigKeyError: One line per unknown key: its full path, its value
            and the nearest valid keys, e.g. ``train_cfg.max_epoch=12: no
            such argument of EpochBasedTrainLoop; did you mean
            max_epochs?``.
    """
    problems = []
    for path, node, registry, default_type in _typed_dicts(cfg):
        problems += _unknown_keys(path, node, registry, default_type)
    if problems:
        raise ConfigKeyError('\n'.join(problems))


def _typed_dicts(cfg) -> Iterator[Tuple[str, dict, object, Optional[str]]]:
    """(path, dict, registry, type when the dict names none) of every dict
    of the config to check."""
    for key, registry in TOP_LEVEL.items():
        value = cfg.get(key)
        if key.endswith('_dataloader'):
            if isinstance(value, dict):
                for child in ('dataset', 'sampler', 'batch_sampler'):
                    yield from _walk(f'{key}.{child}', value.get(child),
                                     CHILD_REGISTRIES[child])
        elif key == 'default_hooks' and isinstance(value, dict):
            for name, hook in value.items():
                yield from _walk(f'{key}.{name}', hook, registry)
        elif key == 'optim_wrapper' and isinstance(value, dict):
            yield from _walk(key, value, registry, 'OptimWrapper')
        else:
            yield from _walk(key, value, registry)
    train_cfg = cfg.get('train_cfg')
    if isinstance(train_cfg, dict) and 'type' not in train_cfg \
            and 'by_epoch' in train_cfg:
        # mmengine takes by_epoch out to choose the loop.
        loop_args = {k: v for k, v in train_cfg.items() if k != 'by_epoch'}
        yield ('train_cfg', loop_args, scope.LOOPS,
               TRAIN_LOOPS[bool(train_cfg['by_epoch'])])
    elif isinstance(train_cfg, dict):
        yield from _walk('train_cfg', train_cfg, scope.LOOPS)
    for key, loop in DEFAULT_LOOPS.items():
        yield from _walk(key, cfg.get(key), scope.LOOPS, loop)


def _walk(path: str, value, registry, default_type: Optional[str] = None):
    """The dicts to check in ``value`` (a dict or a list of dicts) and in
    the typed dicts nested in them."""
    if registry is None:
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _walk(f'{path}[{i}]', item, registry)
        return
    if not isinstance(value, dict):
        return
    if 'type' in value or default_type is not None:
        yield path, value, registry, default_type
    for key, child in value.items():
        if _holds_typed_dicts(child):
            yield from _walk(f'{path}.{key}', child,
                             CHILD_REGISTRIES.get(key, registry))


def _holds_typed_dicts(value) -> bool:
    if isinstance(value, dict):
        return 'type' in value or any(
            _holds_typed_dicts(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_typed_dicts(v) for v in value)
    return False


def _unknown_keys(path: str, node: dict, registry,
                  default_type: Optional[str]) -> List[str]:
    """One message per key of ``node`` its class does not take."""
    type_ = node.get('type', default_type)
    if isinstance(type_, str) and '.' not in type_ and node.get('_scope_'):
        type_ = f"{node['_scope_']}.{type_}"
    cls = _resolve(type_, registry)
    if cls is None:
        return []
    arguments = accepted_arguments(cls)
    if arguments is None:
        return []
    arguments |= CONSUMED_KEYS.get(registry.name, set())
    problems = []
    for key, value in node.items():
        if key in ('type', '_scope_') or key in arguments:
            continue
        nearest = difflib.get_close_matches(key, sorted(arguments), n=3)
        advice = (f'did you mean {" or ".join(nearest)}?' if nearest else
                  f'its arguments are {", ".join(sorted(arguments))}.')
        problems.append(f'{path}.{key}={value!r}: no such argument of '
                        f'{cls.__name__}; {advice}')
    return problems


def _resolve(type_, registry) -> Optional[type]:
    """The class a ``type`` names, through the mmreid_dranet scope
    registry (and, by mmengine's lookup, its parents); None if unknown."""
    if inspect.isclass(type_):
        return type_
    if not isinstance(type_, str):
        return None  # a function or a callable object: left to mmengine
    try:
        found = registry.get(type_)
    except Exception:  # an unknown scope or a module that fails to import
        return None
    return found if inspect.isclass(found) else None


def accepted_arguments(cls: type) -> Optional[set]:
    """The keyword arguments ``cls(...)`` takes, or None if unknown.

    A class whose ``__init__`` takes ``**kwargs`` is assumed to pass them to
    the next ``__init__`` of its method resolution order; if that chain ends
    at ``object``, the arguments are unknown. A class with no ``__init__``
    of its own but ``object``'s takes none.


    Args:
        cls (type): The class.

    Returns:
        set[str] | None: The argument names.
    """
    arguments = set()
    open_chain = False  # some __init__ passes **kwargs on
    for klass in cls.__mro__:
        if klass is not object and '__new__' in vars(klass):
            return None  # arguments may go to __new__
        if '__init__' not in vars(klass):
            continue
        if klass is object:
            return None if open_chain else arguments
        try:
            parameters = inspect.signature(klass.__init__).parameters
        except (TypeError, ValueError):
            return None
        open_chain = False
        for name, parameter in list(parameters.items())[1:]:
            if parameter.kind == parameter.VAR_KEYWORD:
                open_chain = True
            elif parameter.kind != parameter.VAR_POSITIONAL:
                arguments.add(name)
        if not open_chain:
            return arguments
    return None
