import pytest

from local_runtime.invoke import Invoker


@pytest.fixture
def invoke(aws):
    """Invoke a Chalice function by name, as the local runtime (and Lambda) would."""
    from app import app

    invoker = Invoker(app, "orders-platform", "dev")
    return lambda function, event: invoker.invoke(function, event, source="test", traced=False)
