"""The Orders API's views: parse, call the domain and repository, shape the response."""

from __future__ import annotations

from typing import Annotated

from chalice import Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from chalicelib.api import correlation
from chalicelib.api.errors import ApiError, json_errors
from chalicelib.api.requests import json_body, plausible_id, query_params
from chalicelib.idempotency import Once
from chalicelib.input_rules import QueryCount
from chalicelib.orders.errors import OrderNotFound
from chalicelib.orders.model import Identifier, NewOrder, OrderStatus, StatusChange, new_order
from chalicelib.orders.repository import OrdersRepository

MAX_IDEMPOTENCY_KEY = 128


class ListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customerId: Identifier | None = None
    status: OrderStatus | None = None
    limit: Annotated[QueryCount, Field(ge=1, le=100)] = 20
    nextToken: Annotated[str, Field(min_length=1, max_length=2048)] | None = None

    @model_validator(mode="after")
    def _needs_a_filter(self):
        if self.customerId is None and self.status is None:
            raise ValueError("give customerId, status, or both")
        return self


def _repository() -> OrdersRepository:
    return OrdersRepository()


def _order_id(order_id: str) -> str:
    if not plausible_id(order_id):
        raise OrderNotFound(order_id[:64])
    return order_id


def _created(order: dict) -> Response:
    return Response(
        body=order,
        status_code=201,
        headers={"Location": f"/orders/{order['orderId']}", "Content-Type": "application/json"},
    )


def _create(request: dict) -> dict:
    order = new_order(request["order"], correlation_id=request["correlationId"])
    _repository().put_new(order)
    return order.to_api()


# The response is the effect: a retry with the same Idempotency-Key gets the first one back.
_create_once = Once("orders.create", _create)


@json_errors
def create_order(request) -> Response:
    data = NewOrder.model_validate(json_body(request))
    key = (request.headers or {}).get("idempotency-key")
    if key is None:
        return _created(_create({"order": data, "correlationId": correlation.current()}))
    if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY or not key.isprintable():
        issue = f"must be 1 to {MAX_IDEMPOTENCY_KEY} printable characters"
        raise ApiError(
            400,
            "VALIDATION_ERROR",
            f"Idempotency-Key {issue}",
            [{"field": "Idempotency-Key", "code": "INVALID_IDEMPOTENCY_KEY", "issue": issue}],
        )
    payload = data.model_dump(mode="json")
    created = _create_once(key, payload, request.lambda_context, order=data, correlationId=correlation.current())
    return _created(created)


@json_errors
def get_order(order_id: str) -> dict:
    return _repository().get(_order_id(order_id)).to_api()


@json_errors
def list_orders(request) -> dict:
    params = ListQuery.model_validate(query_params(request, set(ListQuery.model_fields)))
    page = _repository().list(
        customer_id=params.customerId, status=params.status, limit=params.limit, next_token=params.nextToken
    )
    return {"orders": [o.to_api() for o in page.orders], "nextToken": page.next_token}


@json_errors
def change_status(request, order_id: str) -> dict:
    change = StatusChange.model_validate(json_body(request))
    order = _repository().change_status(_order_id(order_id), change.status, change.version, correlation.current())
    return order.to_api()


@json_errors
def delete_order(order_id: str) -> Response:
    _repository().delete(_order_id(order_id))
    return Response(body="", status_code=204)
