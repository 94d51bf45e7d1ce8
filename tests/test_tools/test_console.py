"""What the tools print: the console filter, the known warnings, and known
user errors as one message (mmreid_dranet/utils/console.py)."""
import os.path as osp
import warnings

import pytest
from mmengine.config import Config
from mmengine.logging import MMLogger
from torch.utils.data import DataLoader, Dataset

from mmreid_dranet.datasets import CorruptImageError
from mmreid_dranet.datasets.image_integrity import SKIP_HINT
from mmreid_dranet.datasets.transforms import StrictLoadImageFromFile
from mmreid_dranet.engine.schedule import scale_schedule
from mmreid_dranet.utils import load_config
from mmreid_dranet.utils.console import (KNOWN_WARNINGS, error_message,
                                         is_user_error,
                                         known_warnings_filtered,
                                         quiet_console,
                                         user_errors_as_messages)
from tests.helpers import REPO


def test_console_leaves_start_up_reports_to_the_log_file(tmp_path, capsys):
    log_file = tmp_path / 'run.log'
    logger = MMLogger.get_instance('console_test', log_file=str(log_file))
    assert quiet_console(logger) == 1  # the console, not the file
    logger.info('\n' + '-' * 60 + '\nSystem environment:\n    Python: 3')
    logger.info('Config:\nmodel = dict(type="ReIDModel")')
    logger.info('Hooks will be executed in the following order:\n(NORMAL)')
    logger.info('paramwise_options -- backbone.conv1.weight:lr=0.05')
    logger.warning('"FileClient" will be deprecated in future.')
    logger.info('Epoch(train) [1][10/21]  eta: 0:01:10  loss: 6.2')
    logger.warning('a warning about the run')
    for handler in logger.handlers:
        handler.flush()
    console = capsys.readouterr().out
    assert 'Epoch(train) [1][10/21]' in console
    assert 'a warning about the run' in console
    for hidden in ('System environment', 'Config:', 'Hooks will',
                   'paramwise_options', 'FileClient'):
        assert hidden not in console
    logged = log_file.read_text()
    for everything in ('System environment', 'Config:\nmodel', 'Hooks will',
                       'paramwise_options', 'FileClient', 'Epoch(train)'):
        assert everything in logged


def test_known_warnings_are_silenced_inside_the_block_only():
    known = [message for message, _ in KNOWN_WARNINGS]
    texts = ['pkg_resources is deprecated as an API. See https://...',
             'Fail to import ``MultiScaleDeformableAttention`` from mmcv']
    assert all(any(text.startswith(k.replace('\\', '')) for k in known)
               for text in texts)
    filters_before = list(warnings.filters)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        with known_warnings_filtered():
            for text in texts:
                warnings.warn(text, UserWarning)
            warnings.warn('an unknown warning', UserWarning)
        with known_warnings_filtered(enabled=False):  # --verbose
            warnings.warn(texts[0], UserWarning)
        warnings.warn(texts[1], UserWarning)
    assert [str(w.message) for w in caught] == [
        'an unknown warning', texts[0], texts[1]]
    assert warnings.filters == filters_before


def test_pkg_resources_warning_of_a_package_config_is_silenced():
    # Its _base_ names 'mmpretrain::...': mmengine imports pkg_resources
    # (setuptools 81 warns on import) to find the package.
    config = osp.join(REPO, 'configs', 'reuse', 'resnet50_dra-neck_in1k.py')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        with known_warnings_filtered():
            assert load_config(config).model.neck.num_parts == 1
    assert [str(w.message) for w in caught] == []


class _OneImage(Dataset):
    """Loads one file with the package's strict loader."""

    def __init__(self, path):
        self.path = path

    def __len__(self):
        return 1

    def __getitem__(self, index):
        return StrictLoadImageFromFile().transform(
            dict(img_path=self.path))['img']


def test_errors_from_a_dataloader_worker_keep_only_their_message(
        tmp_path, write_image):
    path = tmp_path / 'person.jpg'
    write_image(path, height=32, width=16)
    path.write_bytes(path.read_bytes()[:200])  # truncated JPEG
    loader = DataLoader(_OneImage(str(path)), num_workers=1)
    with pytest.raises(CorruptImageError) as info:
        next(iter(loader))
    assert 'Original Traceback' in str(info.value)  # torch's wrapping
    assert is_user_error(info.value)
    assert error_message(info.value) == (
        f'Corrupt image file {path}: truncated JPEG (no end-of-image '
        f'marker). {SKIP_HINT}')


def test_user_errors_end_with_one_message_and_status_1(tmp_path, capsys):
    logger = MMLogger.get_instance(
        'user_error_test', log_file=str(tmp_path / 'run.log'))
    with pytest.raises(SystemExit) as info:
        with user_errors_as_messages():
            # A ValueError that the package's own code raises.
            scale_schedule(Config(dict(train_cfg=dict(max_epochs=4))), 0)
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith('error: --epochs must be at least 1, got 0.\n')
    assert 'Traceback' not in err
    assert str(tmp_path / 'run.log') in err
    for handler in logger.handlers:
        handler.flush()
    logged = (tmp_path / 'run.log').read_text()
    assert 'Traceback' in logged and 'scale_schedule' in logged

    with pytest.raises(SystemExit):
        with user_errors_as_messages():
            open(osp.join(str(tmp_path), 'missing.pth'), 'rb')
    assert 'missing.pth' in capsys.readouterr().err


def test_other_errors_and_verbose_keep_the_traceback():
    with pytest.raises(ValueError, match='not raised by the package'):
        with user_errors_as_messages():
            raise ValueError('not raised by the package')
    with pytest.raises(CorruptImageError):
        with user_errors_as_messages(verbose=True):
            raise CorruptImageError('Corrupt image file x.jpg: empty.')
    with pytest.raises(SystemExit):
        with user_errors_as_messages(also=(ValueError, )):
            raise ValueError('a bad option')
    assert not is_user_error(RuntimeError('CUDA out of memory'))
