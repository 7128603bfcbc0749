"""The running local stack, started as `make dev` starts it, once per test module."""

import pytest

from tests.integration.stack import RunningStack


@pytest.fixture(scope="module")
def stack():
    running = RunningStack()
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()
