"""The one table of our events: which source sends each detail-type, at which version, with which detail.

Producers build a detail model and let the catalog name it (``entry``); consumers read a detail
back through the catalog (``read``), so neither spells a source or detail-type of its own.
Rule patterns in infra/topology.yaml are checked against this table (tests/unit/test_event_catalog.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from chalicelib.events.detail import EventDetail
from chalicelib.events.fulfilment import OrderReserved
from chalicelib.events.orders import OrderCancelled, OrderCreated, OrderDeleted, OrderStatusChanged
from chalicelib.events.reports import DailyReportGenerated

# The sources; the analytics rule matches them all by their common "app." prefix.
ORDERS = "app.orders"  # the pipe's target source (infra/topology.yaml: pipe.target.source)
FULFILMENT = "app.fulfilment"
REPORTS = "app.reports"


@dataclass(frozen=True)
class EventType:
    source: str
    detail_type: str
    version: int
    detail: type[EventDetail]


CATALOG: tuple[EventType, ...] = (
    EventType(ORDERS, "OrderCreated", 1, OrderCreated),
    EventType(ORDERS, "OrderStatusChanged", 1, OrderStatusChanged),
    EventType(ORDERS, "OrderCancelled", 1, OrderCancelled),
    EventType(ORDERS, "OrderDeleted", 1, OrderDeleted),
    EventType(FULFILMENT, "OrderReserved", 1, OrderReserved),
    EventType(REPORTS, "DailyReportGenerated", 1, DailyReportGenerated),
)
DetailT = TypeVar("DetailT", bound=EventDetail)
_BY_MODEL = {t.detail: t for t in CATALOG}
_BY_NAME = {(t.source, t.detail_type): t for t in CATALOG}


class UnknownEvent(ValueError):
    """A detail-type (or version) the catalog does not have: no consumer can read it."""


def type_of(detail: type[EventDetail]) -> EventType:
    """The catalog entry of a detail model."""
    return _BY_MODEL[detail]


def new(detail: type[EventDetail], **fields) -> EventDetail:
    """A detail of ``detail``'s type at the catalog's version."""
    return detail(version=type_of(detail).version, **fields)


def entry(detail: EventDetail) -> tuple[EventType, dict]:
    """The catalog entry and JSON detail of an event to publish."""
    return type_of(type(detail)), detail.wire()


def read(source: str, detail_type: str, detail: dict) -> EventDetail:
    """The detail of a received event as its model; UnknownEvent (or pydantic's ValidationError) if it is not one we know."""
    known = _BY_NAME.get((source, detail_type))
    if known is None:
        raise UnknownEvent(f"no event {detail_type!r} from {source!r} in the catalog")
    if detail.get("version") != known.version:
        raise UnknownEvent(f"{detail_type} version {detail.get('version')!r}; this code reads version {known.version}")
    return known.detail.model_validate(detail)


def read_as(expected: type[DetailT], source: str, detail_type: str, detail: dict) -> DetailT:
    """The detail of a received event that must be an ``expected`` event; UnknownEvent if it is another."""
    wanted = type_of(expected)
    if (source, detail_type) != (wanted.source, wanted.detail_type):
        raise UnknownEvent(f"{detail_type!r} from {source!r}, expected {wanted.detail_type!r} from {wanted.source!r}")
    return read(source, detail_type, detail)
