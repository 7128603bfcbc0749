"""The error contract of a Step Functions task: every error is retried by the workflow but a named rejection."""

from __future__ import annotations

import functools
from collections.abc import Callable

from aws_lambda_powertools import Logger

from chalicelib.payments.errors import MalformedPayment, PaymentRejected

logger = Logger(service="payments")


def task(handler: Callable[[dict, object], dict]) -> Callable[[dict, object], dict]:
    """Wrap a task handler: log why it failed; the ASL's Retry and Catch decide what follows."""

    @functools.wraps(handler)
    def wrapper(event: dict, context=None) -> dict:
        logger.set_correlation_id(event.get("correlationId") if isinstance(event, dict) else None)
        try:
            return handler(event, context)
        except PaymentRejected as error:
            logger.info("payment rejected", extra={"task": handler.__module__, "rule": error.rule.value})
            raise
        except MalformedPayment as error:
            logger.warning("not a payment", extra={"task": handler.__module__, "reason": str(error)})
            raise
        except Exception as error:
            # Retried with backoff by the workflow (all its tasks are safe to repeat), then FAILED.
            logger.warning(
                "task failed", extra={"task": handler.__module__, "error": f"{type(error).__name__}: {error}"}
            )
            raise

    return wrapper
