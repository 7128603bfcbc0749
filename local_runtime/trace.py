"""The live trace: one console line per delivery, readable at a glance, with the orders and correlation ids it carried."""

from __future__ import annotations

import contextlib
import json
import logging
import threading

_log = logging.getLogger("trace")
_lock = threading.Lock()
_listeners: list = []
_MAX_DEPTH = 12  # SQS body -> SNS notification -> EventBridge event -> detail is about 8 deep


def ids_in(payload) -> tuple[list[str], list[str]]:
    """The order ids and correlation ids anywhere in a delivered payload, in first-seen order.

    Looks through every shape a delivery carries (stream records' typed images, SQS bodies holding
    SNS notifications holding EventBridge events, message attributes, workflow states) by key,
    rather than by shape: a new delivery path needs no code here.
    """
    found: dict[str, dict[str, None]] = {"orderId": {}, "correlationId": {}}

    def walk(value, depth: int) -> None:
        if depth > _MAX_DEPTH:
            return
        if isinstance(value, str):
            if value.startswith(("{", "[")):
                with contextlib.suppress(ValueError):
                    walk(json.loads(value), depth + 1)
            return
        if isinstance(value, list | tuple):
            for item in value:
                walk(item, depth + 1)
            return
        if not isinstance(value, dict):
            return
        for key, item in value.items():
            if key in found:
                text = _text(item)
                if text:
                    found[key][text] = None
                    continue
            walk(item, depth + 1)

    walk(payload, 0)
    return list(found["orderId"]), list(found["correlationId"])


def _text(value) -> str | None:
    """A string, or the string inside a DynamoDB ``{"S": ...}`` or a message attribute."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("S", "Value", "stringValue", "StringValue"):
            if isinstance(value.get(key), str):
                return value[key]
    return None


def _shown(label: str, ids: list[str]) -> str:
    # Every id, however long the batch: grepping the trace for one order must find each of its deliveries.
    return f"{label}={','.join(ids)}"


def delivery(
    source: str, function: str, records: int, result: str, millis: float, detail: str = "", payload=None
) -> None:
    """Record one delivery: `source -> function  N rec  result  ms  [detail]  [correlation=… order=…]`."""
    order_ids, correlation_ids = ids_in(payload) if payload is not None else ([], [])
    line = f"{source:<34} -> {function:<24} {records:>3} rec  {result:<10} {millis:7.1f} ms"
    if detail:
        line += f"  {detail}"
    if correlation_ids:
        line += f"  {_shown('correlation', correlation_ids)}"
    if order_ids:
        line += f"  {_shown('order', order_ids)}"
    _log.info(line)
    entry = {
        "source": source,
        "function": function,
        "records": records,
        "result": result,
        "ms": millis,
        "order_ids": order_ids,
        "correlation_ids": correlation_ids,
    }
    with _lock:
        for listener in _listeners:
            listener(entry)


def subscribe(listener) -> None:
    """Call ``listener(entry)`` for every delivery (benchmarks and tests count them; the console filters them)."""
    with _lock:
        _listeners.append(listener)
