"""The catalog's JSON Schemas: committed files match the code, describe what producers send, and reach Terraform."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft4Validator

from chalicelib.events import catalog
from chalicelib.events.fulfilment import OrderReserved
from chalicelib.events.reports import DailyReportGenerated
from chalicelib.orders.events import from_change
from chalicelib.orders.model import Order, OrderStatus
from infra import catalog_schemas

ORDER = Order.model_validate(
    {
        "orderId": "o-1",
        "customerId": "c-1",
        "customerEmail": "ada@example.com",
        "currency": "EUR",
        "total": "40.48",
        "status": "PENDING",
        "version": 1,
        "items": [{"sku": "A", "qty": 2, "unitPrice": "20.24"}],
        "createdAt": "t",
        "updatedAt": "t",
        "correlationId": "req-1",
    }
)
META = {"eventId": "e", "correlationId": "req-1", "occurredAt": "t"}


def produced() -> list:
    """One event of every catalog type, as its producer builds it."""
    cancelled = Order.model_validate({**ORDER.model_dump(), "status": OrderStatus.CANCELLED, "version": 2})
    return [
        *from_change("INSERT", None, ORDER, "r1", "t"),
        *from_change("MODIFY", ORDER, cancelled, "r2", "t"),
        *from_change("REMOVE", ORDER, None, "r3", "t"),
        catalog.new(OrderReserved, **META, orderId="o-1", lines=1),
        catalog.new(DailyReportGenerated, **META, date="2026-11-22", orders=3),
    ]


def as_delivered(detail) -> dict:
    event_type, data = catalog.entry(detail)
    return {"source": event_type.source, "detail-type": event_type.detail_type, "detail": data}


def validator(detail_type: str) -> Draft4Validator:
    text = (catalog_schemas.SCHEMA_DIR / f"{detail_type}.json").read_text()
    schema = json.loads(text)
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def test_committed_schemas_are_up_to_date():
    """Regenerate after changing chalicelib/events/: python -m infra.catalog_schemas."""
    assert catalog_schemas.write(check=True) == []


def test_the_check_notices_a_stale_or_extra_file(tmp_path):
    catalog_schemas.write(tmp_path)
    (tmp_path / "OrderCreated.json").write_text("{}")
    (tmp_path / "OrderShipped.json").write_text("{}")
    assert catalog_schemas.write(tmp_path, check=True) == ["OrderCreated.json", "OrderShipped.json"]


def test_every_catalog_event_has_a_schema_its_producers_events_satisfy():
    events = produced()
    assert {type(e) for e in events} == {t.detail for t in catalog.CATALOG}
    for detail in events:
        event = as_delivered(detail)
        assert list(validator(event["detail-type"]).iter_errors(event)) == [], event


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d.pop("correlationId"), "correlationId"),
        (lambda d: d.update(version=2), "version"),
        (lambda d: d.update(total=40.48), "total"),  # money is a decimal string, never a float
    ],
)
def test_a_detail_that_breaks_the_contract_fails_its_schema(change, path):
    event = as_delivered(produced()[0])
    change(event["detail"])
    errors = list(validator("OrderCreated").iter_errors(event))
    assert errors and any(path in " ".join([*map(str, e.path), e.message]) for e in errors)


def test_the_module_registers_one_schema_per_file(module_dir, module_text):
    assert sorted(p.name for p in (module_dir / "event_schemas").glob("*.json")) == sorted(catalog_schemas.rendered())
    assert 'resource "aws_schemas_registry" "events"' in module_text["event_schemas.tf"]
    assert 'type          = "JSONSchemaDraft4"' in module_text["event_schemas.tf"]
