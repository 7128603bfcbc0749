"""Calls a Chalice handler the way Lambda would: by function name, with an event and a context."""

from __future__ import annotations

import importlib
import pkgutil
import time
import uuid
from dataclasses import dataclass

from local_runtime import trace
from local_runtime.faults import AFTER, FaultInjector

DEFAULT_TIMEOUT_MS = 30_000


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    function_name: str
    aws_request_id: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = 0.0

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def import_handler_modules() -> list[str]:
    """Import every module the handlers can reach (chalicelib), once, before any delivery starts.

    On AWS each function imports its modules alone in its own process. Here all handlers share one
    interpreter and app.py imports them lazily, so the first deliveries, running side by side, import
    the same packages from several threads at once; Powertools' data_classes package imports its
    submodules in a cycle, and concurrent imports of a cycle can see a partially initialized module
    (ImportError: cannot import name 'SQSEvent', KeyError in sys.modules).
    """
    import chalicelib

    names = [m.name for m in pkgutil.walk_packages(chalicelib.__path__, "chalicelib.")]
    for name in names:
        importlib.import_module(name)
    return names


class FunctionError(Exception):
    """The handler raised: Lambda reports this as an Unhandled function error."""

    def __init__(self, function: str, error: BaseException) -> None:
        super().__init__(f"{function}: {getattr(error, 'error_type', type(error).__name__)}: {error}")
        self.function, self.error = function, error


class Invoker:
    """Invokes the loaded app's handlers by their Chalice function name."""

    def __init__(
        self,
        app,
        app_name: str,
        stage: str,
        region: str = "us-east-1",
        account: str = "123456789012",
        faults: FaultInjector | None = None,
    ):
        self.app = app
        # Every delivery calls invoke(), so this one injector covers them all.
        self.faults = faults or FaultInjector()
        self._prefix = f"{app_name}-{stage}"
        self._region, self._account = region, account

    def lambda_name(self, function: str) -> str:
        """The deployed Lambda name Chalice gives ``function`` (``<app>-<stage>-<name>``)."""
        return f"{self._prefix}-{function}"

    def function_arn(self, function: str) -> str:
        return f"arn:aws:lambda:{self._region}:{self._account}:function:{self.lambda_name(function)}"

    def schedule_rule_arn(self, function: str) -> str:
        """The rule Chalice creates for a scheduled function (``<lambda name>-event``)."""
        return f"arn:aws:events:{self._region}:{self._account}:rule/{self.lambda_name(function)}-event"

    def function_for(self, lambda_name: str) -> str | None:
        """The Chalice function name behind a deployed Lambda name or ARN, if it is ours."""
        name = lambda_name.rsplit(":function:", 1)[-1].split(":")[0]
        short = name.removeprefix(self._prefix + "-")
        return short if short in self.app.handler_map else None

    def invoke(self, function: str, event, source: str, records: int = 1, *, traced: bool = True):
        """Run ``function`` on ``event``; returns its result or raises FunctionError."""
        name = self.lambda_name(function)
        context = LambdaContext(
            function_name=name,
            aws_request_id=str(uuid.uuid4()),
            invoked_function_arn=self.function_arn(function),
            _deadline=time.monotonic() + DEFAULT_TIMEOUT_MS / 1000,
        )
        handler = self.app.handler_map[function]
        fault = self.faults.decide(function)
        started = time.perf_counter()
        try:
            if fault and fault.when != AFTER:
                raise fault.error()
            result = handler(event, context)
            if fault:
                raise fault.error()
        except Exception as error:
            # Injected faults are always traced: a test reading the trace must see every one.
            if traced or fault:
                trace.delivery(source, function, records, "error", _ms(started), _describe(error), payload=event)
            raise FunctionError(function, error) from error
        if traced:
            trace.delivery(source, function, records, _outcome(result), _ms(started), payload=event)
        return result


def _describe(error: Exception) -> str:
    error_type = getattr(error, "error_type", type(error).__name__)
    if getattr(error, "when", None):
        return f"{error_type}: fault {error} (LOCAL_LAMBDA_FAULTS)"
    return f"{error_type}: {error}"


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _outcome(result) -> str:
    if isinstance(result, dict) and result.get("batchItemFailures"):
        return f"partial({len(result['batchItemFailures'])})"
    return "ok"
