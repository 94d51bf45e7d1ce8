"""Re-ID evaluation: the functional protocol and the Runner metric."""
from .functional import *  # noqa: F401,F403
from .functional import __all__ as _functional_all
from .metrics import ReIDMetric

__all__ = list(_functional_all) + ['ReIDMetric']
