import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every module of mmreid_dranet so that its registries fill up.

    Registries import their ``locations`` lazily, so this is only needed by
    code that lists registry contents; it mirrors mmpretrain's helper.

    Args:
        init_default_scope (bool): Also make ``mmreid_dranet`` the current
            default scope. Defaults to True.
    """
    import mmreid_dranet.datasets  # noqa: F401
    import mmreid_dranet.engine  # noqa: F401
    import mmreid_dranet.evaluation  # noqa: F401
    import mmreid_dranet.models  # noqa: F401
    import mmreid_dranet.visualization  # noqa: F401

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None:
        DefaultScope.get_instance('mmreid_dranet', scope_name='mmreid_dranet')
    elif current.scope_name != 'mmreid_dranet':
        warnings.warn(f'The current default scope "{current.scope_name}" is '
                      'not "mmreid_dranet"; a new scope is created for it.')
        name = f'mmreid_dranet-{datetime.datetime.now()}'
        DefaultScope.get_instance(name, scope_name='mmreid_dranet')
