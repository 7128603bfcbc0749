"""The live trace: one console line per delivery, readable at a glance."""

from __future__ import annotations

import logging
import threading

_log = logging.getLogger("trace")
_lock = threading.Lock()
_listeners: list = []


def delivery(source: str, function: str, records: int, result: str, millis: float, detail: str = "") -> None:
    """Record one delivery: `source -> function  N rec  result  ms`."""
    line = f"{source:<34} -> {function:<24} {records:>3} rec  {result:<10} {millis:7.1f} ms"
    if detail:
        line += f"  {detail}"
    _log.info(line)
    entry = {"source": source, "function": function, "records": records, "result": result, "ms": millis}
    with _lock:
        for listener in _listeners:
            listener(entry)


def subscribe(listener) -> None:
    """Call ``listener(entry)`` for every delivery (benchmarks and tests count them)."""
    with _lock:
        _listeners.append(listener)
