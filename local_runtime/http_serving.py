"""What the runtime's own HTTP servers and forwarders share: a drain gate, hop-by-hop headers, the stop poll."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

# RFC 9110 7.6.1: they describe one connection, so a forwarder never passes them on.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}
)
# How often a serve_forever loop looks for a stop: a stop waits up to this long (socketserver's default is 0.5 s).
STOP_POLL_SECONDS = 0.05


def end_to_end(pairs: Iterable[tuple[str, str]], dropped: frozenset[str] = HOP_BY_HOP) -> list[tuple[str, str]]:
    """The (name, value) pairs but those ``dropped`` names (lower case; HOP_BY_HOP and any a sender recomputes).

    Pairs, not a dict: a repeated header (two Set-Cookie) stays repeated."""
    return [(key, value) for key, value in pairs if key.lower() not in dropped]


class Gate:
    """Counts requests in flight; once closed, admits none."""

    def __init__(self) -> None:
        self._open, self._in_flight = True, 0
        self._changed = threading.Condition()

    @property
    def is_open(self) -> bool:
        """False once a stop began: long-lived responses (the console's live trace) end then."""
        return self._open

    def enter(self) -> bool:
        with self._changed:
            if self._open:
                self._in_flight += 1
            return self._open

    def leave(self) -> None:
        with self._changed:
            self._in_flight -= 1
            self._changed.notify_all()

    def close(self, timeout: float) -> int:
        """Admit no more; wait for those in flight; returns how many were still running after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            self._open = False
            while self._in_flight and time.monotonic() < deadline:
                self._changed.wait(deadline - time.monotonic())
            return self._in_flight
