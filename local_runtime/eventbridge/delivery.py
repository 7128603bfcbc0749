"""How a bus rule target is retried and dead-lettered: one policy for the runtime's and the emulator's targets.

The runtime delivers to the targets the topology provisions (rule_targets.py); the emulator delivers
to targets users add (emulator_patches/eventbridge.py). Both follow this, so the same failure gets the
same retries, the same event-age limit and the same dead-letter attributes, whichever path it took.
"""

from __future__ import annotations

# EventBridge's default RetryPolicy (PutTargets without one).
DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 185
DEFAULT_MAXIMUM_EVENT_AGE_SECONDS = 86400
# AWS backs off for minutes; locally retries back off from this and never wait longer than the cap,
# so a developer sees the DLQ in seconds, not hours.
RETRY_DELAY_SECONDS, RETRY_DELAY_CAP_SECONDS = 0.2, 5.0
# A target function that raised: what EventBridge writes as ERROR_CODE for it.
FUNCTION_ERROR_CODE = "LambdaFunctionError"


class TargetFunctionError(Exception):
    """The target function ran and raised (an Unhandled function error)."""


def retry_delay(attempt: int, first: float = RETRY_DELAY_SECONDS) -> float:
    """Seconds before retry ``attempt`` (1 for the first retry): doubling from ``first``, capped."""
    return min(first * 2 ** (attempt - 1), RETRY_DELAY_CAP_SECONDS)


def error_code(error: BaseException) -> str:
    """ERROR_CODE for a failed delivery: an explicit code, the function-error code, or the error's type."""
    if getattr(error, "code", None):
        return error.code
    if isinstance(error, TargetFunctionError):
        return FUNCTION_ERROR_CODE
    return type(error).__name__


def dead_letter_attributes(rule_arn: str, target_arn: str, error: BaseException) -> dict[str, dict]:
    """The message attributes EventBridge sets on an event it dead-letters, as SQS MessageAttributes."""
    code = error_code(error)
    values = {
        "RULE_ARN": rule_arn,
        "TARGET_ARN": target_arn,
        "ERROR_CODE": code,
        "ERROR_MESSAGE": str(error)[:1000] or code,
    }
    return {name: {"DataType": "String", "StringValue": value} for name, value in values.items()}


class Undeliverable(Exception):
    """No retry can help (the input cannot be made, the target cannot be reached here): straight to the DLQ."""

    def __init__(self, message: str, code: str = "TargetNotSupportedLocally") -> None:
        super().__init__(message)
        self.code = code
