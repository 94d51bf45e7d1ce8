"""init_model after a finished run: mmengine's initialisation report must
not write into the run's closed log file."""
import logging

from mmengine.logging import MMLogger

from mmreid_dranet.apis import init_model
from tests.helpers import TINY_CONFIG


def test_init_model_after_a_run_closed_its_log_file(tmp_path):
    logger = MMLogger.get_instance('finished-run',
                                   log_file=str(tmp_path / 'run.log'))
    files = [h for h in logger.handlers
             if isinstance(h, logging.FileHandler)]
    assert files
    for handler in files:
        handler.close()  # as at the end of a run: stream None
    model = init_model(TINY_CONFIG, None, num_classes=4)
    assert model.head is not None
    # The closed handlers are back where they were, untouched.
    assert all(h in logger.handlers and h.stream is None for h in files)
