"""Powertools idempotency on our idempotency table, shared by the API and consumers."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from chalicelib.aws.clients import client
from chalicelib.resource_names import physical_name

RETENTION_SECONDS = 24 * 3600


@cache
def persistence_store(scope: str) -> DynamoDBPersistenceLayer:
    """The persistence layer for one scope, built on first use so importing stays cheap.

    One per scope: a layer keeps its key prefix on the instance for the duration of a
    call, so scopes sharing one race when handlers run side by side (the local runtime).
    """
    return DynamoDBPersistenceLayer(table_name=physical_name("idempotency"), boto3_client=client("dynamodb"))


def run_once(scope: str, key: str, payload: dict, action: Callable[[], dict], lambda_context=None) -> dict:
    """Run ``action`` once per (scope, key); a repeat returns the first result.

    A repeat whose ``payload`` differs raises IdempotencyValidationError.
    """

    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="payload",
        expires_after_seconds=RETENTION_SECONDS,
        raise_on_no_idempotency_key=True,
    )
    if lambda_context is not None:
        # Lets an in-progress record expire with the invocation if Lambda kills it.
        config.register_lambda_context(lambda_context)

    @idempotent_function(
        data_keyword_argument="request", persistence_store=persistence_store(scope), config=config, key_prefix=scope
    )
    def _once(request: dict) -> dict:
        return action()

    return _once(request={"key": key, "payload": payload})
