"""Powertools idempotency on our idempotency table: for effects outside DynamoDB only.

Two users: POST /orders' Idempotency-Key (the response is the effect) and the notifier's SNS
publish. Effects inside DynamoDB make themselves happen once (chalicelib/aws/once.py).
"""

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


class Once:
    """``action(request)`` run once per (scope, key); a repeat returns the first result.

    Declared once per effect at module level; Powertools' decorator is applied on the first call
    (the store needs the stage's names and a client, which importing must not create). A repeat
    whose ``payload`` differs raises IdempotencyValidationError.
    """

    def __init__(self, scope: str, action: Callable[[dict], dict]) -> None:
        self.scope, self.action = scope, action
        self.config = IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="payload",
            expires_after_seconds=RETENTION_SECONDS,
            raise_on_no_idempotency_key=True,
        )
        self._store: DynamoDBPersistenceLayer | None = None
        self._decorated: Callable[..., dict] | None = None

    def __call__(self, key: str, payload: dict, lambda_context=None, **extra) -> dict:
        """Run or replay; ``extra`` reaches the action but neither the key nor the payload check."""
        store = persistence_store(self.scope)
        if store is not self._store:  # the first call (tests renew the store between runs)
            self._store = store
            self._decorated = idempotent_function(
                data_keyword_argument="request", persistence_store=store, config=self.config, key_prefix=self.scope
            )(self.action)
        if lambda_context is not None:
            # Lets an in-progress record expire with the invocation if Lambda kills it.
            self.config.register_lambda_context(lambda_context)
        return self._decorated(request={"key": key, "payload": payload, **extra})
