from decimal import Decimal

import pytest
from pydantic import ValidationError

from chalicelib.orders.errors import InvalidTransition
from chalicelib.orders.model import NewOrder, OrderStatus, check_transition, new_order


def _order(**overrides):
    body = {
        "customerId": "cust-1",
        "customerEmail": "ada@example.com",
        "items": [{"sku": "BOOK-1", "qty": 3, "unitPrice": Decimal("0.10")}],
    }
    body.update(overrides)
    return NewOrder.model_validate(body)


def test_total_is_exact_decimal_not_float():
    order = new_order(_order(items=[{"sku": "A", "qty": 3, "unitPrice": Decimal("0.10")}]))
    # 3 * 0.1 is 0.30000000000000004 in binary floating point.
    assert order.total == Decimal("0.30")
    assert order.to_api()["total"] == "0.30"


def test_total_sums_every_line():
    order = new_order(
        _order(
            items=[
                {"sku": "A", "qty": 2, "unitPrice": Decimal("19.99")},
                {"sku": "B", "qty": 1, "unitPrice": "5.01"},
            ]
        )
    )
    assert order.total == Decimal("44.99")
    assert [line["lineTotal"] for line in order.to_api()["items"]] == ["39.98", "5.01"]


def test_new_order_is_pending_version_one_with_defaults():
    order = new_order(_order())
    assert order.status is OrderStatus.PENDING
    assert order.version == 1
    assert order.currency == "USD"
    assert order.createdAt == order.updatedAt
    assert order.createdAt.endswith("Z")


@pytest.mark.parametrize(
    ("current", "requested"),
    [
        ("PENDING", "PAID"),
        ("PAID", "SHIPPED"),
        ("SHIPPED", "DELIVERED"),
        ("PENDING", "CANCELLED"),
        ("PAID", "CANCELLED"),
    ],
)
def test_allowed_transitions(current, requested):
    check_transition(OrderStatus(current), OrderStatus(requested))


@pytest.mark.parametrize(
    ("current", "requested"),
    [
        ("PENDING", "SHIPPED"),
        ("SHIPPED", "CANCELLED"),
        ("DELIVERED", "PENDING"),
        ("CANCELLED", "PAID"),
        ("PAID", "PAID"),
    ],
)
def test_forbidden_transitions(current, requested):
    with pytest.raises(InvalidTransition, match=f"from {current} to {requested}"):
        check_transition(OrderStatus(current), OrderStatus(requested))


@pytest.mark.parametrize(
    "overrides",
    [
        {"items": []},
        {"items": [{"sku": "A", "qty": 0, "unitPrice": "1"}]},
        {"items": [{"sku": "A", "qty": -1, "unitPrice": "1"}]},
        {"items": [{"sku": "A", "qty": 10**9, "unitPrice": "1"}]},
        {"items": [{"sku": "A", "qty": "2", "unitPrice": "1"}]},
        {"items": [{"sku": "A", "qty": 2.5, "unitPrice": "1"}]},
        {"items": [{"sku": "A", "qty": True, "unitPrice": "1"}]},
        {"items": [{"sku": "A", "qty": 1, "unitPrice": "-0.01"}]},
        {"items": [{"sku": "A", "qty": 1, "unitPrice": "0.001"}]},
        {"items": [{"sku": "A", "qty": 1, "unitPrice": True}]},
        {"items": [{"sku": "A", "qty": 1, "unitPrice": "1", "colour": "red"}]},
        {"currency": "XYZ"},
        {"currency": "usd"},
        {"customerEmail": "not-an-email"},
        {"customerId": ""},
        {"discount": 5},
    ],
)
def test_rejects_bad_orders(overrides):
    with pytest.raises(ValidationError):
        _order(**overrides)
