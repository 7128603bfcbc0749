"""The trace as a feed: recent deliveries, per-path counts, and one bounded queue per live viewer."""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from dataclasses import dataclass, field

# What a viewer that connects late still sees, and how far one slow viewer may fall behind.
HISTORY = 500
CLIENT_BUFFER = 1000


def matches(entry: dict, order_id: str = "", correlation_id: str = "") -> bool:
    """True if ``entry`` concerns the order and the correlation asked for (an empty filter admits all)."""
    if order_id and order_id not in (entry.get("order_ids") or ()):
        return False
    return not correlation_id or correlation_id in (entry.get("correlation_ids") or ())


@dataclass(eq=False)  # identity: each viewer is its own queue
class Subscription:
    """One viewer's queue: the oldest entries go first when it is full, so delivery never waits on a viewer."""

    order_id: str = ""
    correlation_id: str = ""
    entries: deque = field(default_factory=lambda: deque(maxlen=CLIENT_BUFFER))
    dropped: int = 0
    ready: threading.Event = field(default_factory=threading.Event)

    def offer(self, entry: dict) -> None:
        if not matches(entry, self.order_id, self.correlation_id):
            return
        if len(self.entries) == self.entries.maxlen:
            self.dropped += 1
        self.entries.append(entry)
        self.ready.set()

    def take(self, timeout: float) -> list[dict]:
        """Entries waiting now, or after up to ``timeout`` seconds; empty if none came."""
        if not self.entries:
            self.ready.wait(timeout)
        self.ready.clear()
        taken = []
        while self.entries:
            taken.append(self.entries.popleft())
        return taken


class TraceFeed:
    """A trace listener (local_runtime.trace.subscribe): it only appends, so deliveries never wait on it."""

    def __init__(self, history: int = HISTORY) -> None:
        self._history: deque = deque(maxlen=history)
        self._stats: dict[tuple[str, str], dict] = {}
        self._subscriptions: set[Subscription] = set()
        self._lock = threading.Lock()
        self._seq = itertools.count(1)

    def __call__(self, entry: dict) -> None:
        entry = {**entry, "seq": next(self._seq), "at": time.time()}
        with self._lock:
            self._history.append(entry)
            key = (entry["source"], entry["function"])
            stats = self._stats.setdefault(key, {"source": key[0], "function": key[1], "count": 0, "errors": 0})
            stats["count"] += 1
            stats["errors"] += entry["result"] in ("error", "failed")
            stats["lastMs"], stats["lastResult"], stats["lastAt"] = entry["ms"], entry["result"], entry["at"]
            for subscription in self._subscriptions:
                subscription.offer(entry)

    def stats(self) -> list[dict]:
        """Deliveries per (source, function): count, errors, last latency and result."""
        with self._lock:
            return [dict(s) for s in self._stats.values()]

    def subscribe(self, order_id: str = "", correlation_id: str = "") -> Subscription:
        """A viewer's queue, primed with the recent entries that pass its filter."""
        subscription = Subscription(order_id, correlation_id)
        with self._lock:
            for entry in self._history:
                subscription.offer(entry)
            self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscriptions.discard(subscription)
