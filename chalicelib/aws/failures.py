"""What an AWS failure means: a lost condition (someone wrote first), or a transient fault worth a retry."""

from __future__ import annotations

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

_TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "TransactionConflictException",
    }
)


def is_transient(error: BaseException) -> bool:
    """True for throttling, server-side and connection failures; False for caller mistakes."""
    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code") in _TRANSIENT_CODES
    return isinstance(error, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError | ConnectionClosedError)


def is_condition_failure(error: ClientError) -> bool:
    """A conditional write lost: the item was not in the state the condition asked for."""
    return error.response["Error"]["Code"] == "ConditionalCheckFailedException"
