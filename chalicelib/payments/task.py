"""The error contract of a Step Functions task: transient failures get one name the ASL retries."""

from __future__ import annotations

import functools
from collections.abc import Callable

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

from chalicelib.aws.failures import is_transient
from chalicelib.orders.errors import VersionConflict
from chalicelib.payments.errors import PaymentRejected, PaymentTransientError

logger = Logger(service="payments")


def task(handler: Callable[[dict, object], dict]) -> Callable[[dict, object], dict]:
    """Wrap a task handler: log rejections, turn transient failures into PaymentTransientError."""

    @functools.wraps(handler)
    def wrapper(event: dict, context=None) -> dict:
        try:
            return handler(event, context)
        except PaymentRejected as error:
            logger.info("payment rejected", extra={"task": handler.__module__, "reason": str(error)})
            raise
        except (VersionConflict, IdempotencyAlreadyInProgressError) as error:
            # Another writer (or a concurrent copy of this message) is mid-flight: try again shortly.
            raise PaymentTransientError(str(error)) from error
        except Exception as error:
            if is_transient(error):
                logger.warning("transient failure", extra={"task": handler.__module__, "error": str(error)})
                raise PaymentTransientError(f"{type(error).__name__}: {error}") from error
            raise

    return wrapper
