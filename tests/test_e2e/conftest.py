"""Fixtures of the tests that run the command-line tools in subprocesses."""
import pytest

from tests.helpers.tool_runner import ToolRunner


@pytest.fixture(scope='session')
def tools():
    """A :class:`~tests.helpers.tool_runner.ToolRunner`."""
    return ToolRunner()
