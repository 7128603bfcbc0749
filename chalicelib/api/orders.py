"""The Orders API's views: parse, call the domain and repository, shape the response."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError, model_validator

from chalicelib.api import correlation
from chalicelib.api.errors import ApiError
from chalicelib.api.operations import BAD_BODY, Answer, Call, Header, Link, Operation, operation
from chalicelib.api.requests import plausible_id
from chalicelib.api.responses import OrderPage, OrderView
from chalicelib.idempotency import Once
from chalicelib.input_rules import QueryCount
from chalicelib.orders.errors import OrderNotFound
from chalicelib.orders.model import Identifier, NewOrder, OrderStatus, StatusChange, new_order
from chalicelib.orders.repository import OrdersRepository

MAX_IDEMPOTENCY_KEY = 128
# Visible ASCII, spaces inside only: HTTP trims a header value's ends, and carries other bytes as latin-1 guesses.
IDEMPOTENCY_KEY = TypeAdapter(
    Annotated[str, StringConstraints(pattern=rf"^[!-~](?:[ -~]{{0,{MAX_IDEMPOTENCY_KEY - 2}}}[!-~])?$")]
)
TAG = "orders"
ORDER_ID = {"order_id": {"type": "string", "minLength": 1, "description": "The orderId POST /orders answered."}}
NOT_FOUND = {404: ("ORDER_NOT_FOUND",)}


class ListQuery(BaseModel):
    """GET /orders: at least one of customerId and status."""

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


def _create(request: dict) -> dict:
    order = new_order(request["order"], correlation_id=request["correlationId"])
    _repository().put_new(order)
    return order.to_api()


# The response is the effect: a retry with the same Idempotency-Key gets the first one back.
_create_once = Once("orders.create", _create)


def _created(order: dict) -> Answer:
    return Answer(201, OrderView.model_validate(order), {"Location": f"/orders/{order['orderId']}"})


@operation(
    Operation(
        "POST",
        "/orders",
        "createOrder",
        "Create an order: the server assigns the id and prices it exactly.",
        TAG,
        answers={201: OrderView},
        errors={
            **BAD_BODY,
            409: ("IDEMPOTENCY_IN_PROGRESS",),
            422: ("IDEMPOTENCY_KEY_REUSED",),
        },
        body=NewOrder,
        headers=(
            Header(
                "Idempotency-Key",
                IDEMPOTENCY_KEY.json_schema(),
                "A retry with the same key and body returns the first response (24 h); "
                "the same key with another body is 422 IDEMPOTENCY_KEY_REUSED.",
            ),
        ),
        answer_headers={201: ("Location",)},
        links={
            201: (
                Link("GetOrder", "getOrder", {"order_id": "$response.body#/orderId"}),
                Link("ChangeOrderStatus", "changeOrderStatus", {"order_id": "$response.body#/orderId"}),
                Link("DeleteOrder", "deleteOrder", {"order_id": "$response.body#/orderId"}),
            )
        },
    )
)
def create_order(call: Call) -> Answer:
    data: NewOrder = call.body
    key = call.headers.get("idempotency-key")
    if key is None:
        return _created(_create({"order": data, "correlationId": correlation.current()}))
    try:
        IDEMPOTENCY_KEY.validate_python(key)
    except ValidationError:
        issue = f"must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters (spaces only inside)"
        raise ApiError(
            400,
            "VALIDATION_ERROR",
            f"Idempotency-Key {issue}",
            [{"field": "Idempotency-Key", "code": "INVALID_IDEMPOTENCY_KEY", "issue": issue}],
        ) from None
    payload = data.model_dump(mode="json")
    created = _create_once(key, payload, call.lambda_context, order=data, correlationId=correlation.current())
    return _created(created)


@operation(
    Operation(
        "GET",
        "/orders/{order_id}",
        "getOrder",
        "Read an order.",
        TAG,
        answers={200: OrderView},
        errors=NOT_FOUND,
        path_params=ORDER_ID,
    )
)
def get_order(order_id: str) -> Answer:
    return Answer(200, OrderView.model_validate(_repository().get(_order_id(order_id)).to_api()))


@operation(
    Operation(
        "GET",
        "/orders",
        "listOrders",
        "List orders by customer and/or status, newest first, a page at a time.",
        TAG,
        answers={200: OrderPage},
        errors={400: ("VALIDATION_ERROR", "INVALID_NEXT_TOKEN")},
        query=ListQuery,
    )
)
def list_orders(call: Call) -> Answer:
    params: ListQuery = call.query
    page = _repository().list(
        customer_id=params.customerId, status=params.status, limit=params.limit, next_token=params.nextToken
    )
    orders = [OrderView.model_validate(o.to_api()) for o in page.orders]
    return Answer(200, OrderPage(orders=orders, nextToken=page.next_token))


@operation(
    Operation(
        "PATCH",
        "/orders/{order_id}",
        "changeOrderStatus",
        "Move an order to another status; `version` is the one last read (optimistic locking).",
        TAG,
        answers={200: OrderView},
        errors={**BAD_BODY, **NOT_FOUND, 409: ("INVALID_STATUS_TRANSITION", "VERSION_CONFLICT")},
        body=StatusChange,
        path_params=ORDER_ID,
    )
)
def change_status(call: Call, order_id: str) -> Answer:
    change: StatusChange = call.body
    order = _repository().change_status(_order_id(order_id), change.status, change.version, correlation.current())
    return Answer(200, OrderView.model_validate(order.to_api()))


@operation(
    Operation(
        "DELETE",
        "/orders/{order_id}",
        "deleteOrder",
        "Delete an order.",
        TAG,
        answers={204: None},
        errors=NOT_FOUND,
        path_params=ORDER_ID,
    )
)
def delete_order(order_id: str) -> Answer:
    _repository().delete(_order_id(order_id))
    return Answer(204)
