"""What the tools print on the console, and what only goes to the log file.

By default a run shows what a user reads: progress with its ETA, the
metrics, warnings about the run, errors. mmengine also prints, at every
start, the environment, the whole config, the hook table and one line per
parameter group; those stay in the work dir's log file
(:func:`quiet_console`, installed by ``ReIDRunner.build_logger``).
Warnings that are known and harmless for this package are silenced around
the tools' calls (:func:`known_warnings_filtered`), and the package's own
errors end with their message instead of a traceback
(:func:`user_errors_as_messages`). The tools' ``--verbose`` (config key
``verbose_console=True``) brings everything back.
"""
import contextlib
import logging
import os.path as osp
import re
import sys
import warnings
from typing import Iterator, Optional, Tuple

# The config key that shows everything on the console (``--verbose``).
VERBOSE_KEY = 'verbose_console'

# mmengine log records that go to the log file only: start-up reports that
# repeat the config, and deprecation notes about mmengine's own internals.
FILE_ONLY_RECORDS = re.compile('|'.join([
    r'Config:\n',  # the whole config (also dumped to the work dir)
    r'\n-+\nSystem environment:',  # versions, build flags, runtime env
    r'Hooks will be executed in the following order',  # the hook table
    r'paramwise_options -- ',  # one line per parameter and option
    r'Exp name: ',  # repeated at every epoch end
    r'Distributed training is not used, all SyncBatchNorm',
    r'Saving checkpoint at \d+ (epochs|iterations)',
    r'"FileClient" will be deprecated',  # mmengine's CheckpointHook
    r'"HardDiskBackend" is the alias of "LocalBackend"',
]))

# Python warnings known to be harmless here: (message regex, why).
KNOWN_WARNINGS: Tuple[Tuple[str, str], ...] = (
    (r'pkg_resources is deprecated as an API',
     "mmengine resolves 'pkg::' config names with setuptools' "
     'pkg_resources (setuptools<82 keeps it)'),
    (r'Fail to import ``MultiScaleDeformableAttention``',
     'mmcv-lite has no compiled ops; no model here uses deformable '
     'attention'),
)

# The exception types a package raises on purpose with a message that
# says the fix, when its own code raises them (see is_user_error).
_MESSAGE_TYPES = (ValueError, KeyError, TypeError, FloatingPointError)
_WORKER_ERROR = re.compile(r'Caught \w+ in DataLoader worker process')
_PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))


class FileOnlyFilter(logging.Filter):
    """Keeps the records of :data:`FILE_ONLY_RECORDS` off a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not FILE_ONLY_RECORDS.match(str(record.msg))


def quiet_console(logger: logging.Logger) -> int:
    """Add :class:`FileOnlyFilter` to the logger's console handlers (not
    to its file handlers: the log file stays complete).

    Args:
        logger (logging.Logger): An MMLogger.

    Returns:
        int: How many handlers got the filter.
    """
    count = 0
    for handler in logger.handlers:
        if isinstance(handler, logging.FileHandler) or not isinstance(
                handler, logging.StreamHandler):
            continue
        if not any(isinstance(f, FileOnlyFilter) for f in handler.filters):
            handler.addFilter(FileOnlyFilter())
        count += 1
    return count


@contextlib.contextmanager
def known_warnings_filtered(enabled: bool = True) -> Iterator[None]:
    """Silence :data:`KNOWN_WARNINGS` inside the block (also in the
    DataLoader workers it forks); the filters are restored on exit.

    Args:
        enabled (bool): False (``--verbose``) changes nothing.
    """
    with warnings.catch_warnings():
        if enabled:
            for message, _ in KNOWN_WARNINGS:
                warnings.filterwarnings('ignore', message=message)
        yield


def _innermost_file(error: BaseException) -> Optional[str]:
    """The source file of the frame that raised ``error`` (for an error
    re-raised from a DataLoader worker: of the worker's frame)."""
    text = str(error)
    if _WORKER_ERROR.match(text):
        files = re.findall(r'File "([^"]+)"', text)
        return files[-1] if files else None
    tb = error.__traceback__
    if tb is None:
        return None
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_filename


def is_user_error(error: BaseException) -> bool:
    """Whether ``error`` is a known user error: a missing file, one of the
    package's own exception classes (``CorruptImageError``,
    ``DataLayoutError``, ``IncompleteCheckpointError``, the config-key
    error, ...), or a ``ValueError``/``KeyError``/``TypeError``/
    ``FloatingPointError`` raised by the package's own code (its start-up
    checks say what to change)."""
    if isinstance(error, FileNotFoundError):
        return True
    if type(error).__module__.split('.')[0] == __name__.split('.')[0]:
        return True
    if not isinstance(error, _MESSAGE_TYPES):
        return False
    source = _innermost_file(error)
    return source is not None and osp.abspath(source).startswith(
        _PACKAGE_DIR + osp.sep)


def error_message(error: BaseException) -> str:
    """The message of ``error`` without the worker's traceback that torch
    puts into errors re-raised from a DataLoader worker."""
    text = str(error.args[0]) if isinstance(error, KeyError) and \
        error.args else str(error)
    if _WORKER_ERROR.match(text):
        ends = list(re.finditer(
            rf'^(?:[\w.]+\.)?{type(error).__name__}: ', text, re.M))
        if ends:
            text = text[ends[-1].end():]
    return text.strip()


def _traceback_to_log_file(error: BaseException) -> Optional[str]:
    """Write the traceback to the current run's log file (not the
    console); return that file, or None when no run has one."""
    from mmengine.logging import MMLogger

    # Without a run, this is mmengine's default logger: no file handler.
    logger = MMLogger.get_current_instance()
    files = [h for h in logger.handlers
             if isinstance(h, logging.FileHandler)]
    if not files:
        return None
    record = logger.makeRecord(
        logger.name, logging.ERROR, __file__, 0, 'The run stopped:', None,
        (type(error), error, error.__traceback__))
    for handler in files:
        handler.handle(record)
    return files[0].baseFilename


@contextlib.contextmanager
def user_errors_as_messages(verbose: bool = False,
                            also: Tuple[type, ...] = ()) -> Iterator[None]:
    """End the program with ``error: <message>`` on stderr and exit
    status 1 when a known user error (:func:`is_user_error`, or one of
    ``also``) leaves the block. Other errors, and every error with
    ``verbose``, keep their traceback.

    Args:
        verbose (bool): Re-raise everything (``--verbose``).
        also (tuple[type]): More exception types that are user errors in
            this block (e.g. ValueError while reading the options).
    """
    try:
        yield
    except Exception as error:
        if verbose or not (isinstance(error, also) or is_user_error(error)):
            raise
        log_file = _traceback_to_log_file(error)
        where = f'the traceback is in {log_file}; ' if log_file else ''
        print(f'error: {error_message(error)}\n({where}--verbose prints it '
              'here)', file=sys.stderr)
        raise SystemExit(1)
