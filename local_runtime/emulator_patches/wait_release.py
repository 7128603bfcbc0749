"""`POST /_local/release-waits`: every waiting read answers now, and every later one at once.

The runtime's delivery loops wait up to LONG_POLL_SECONDS in the embedded AWS (SQS long polls, the
stream wait). A stop must let each loop come back before the emulator saves, and waiting the polls
out made every Ctrl-C take seconds. The runtime calls this once its loops are told to stop; an
empty read then answers as a read with ``WaitTimeSeconds=0`` does. Only a stopping stack calls it,
so nothing else ever sees a shortened wait.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from local_runtime.emulator_patches import RELEASE_WAITS_PATH

released = threading.Event()
_wakers: list[Callable[[], None]] = []


def on_release(wake: Callable[[], None]) -> None:
    """Have ``wake`` called on release, to rouse the reads already waiting (they then see ``released``)."""
    _wakers.append(wake)


def release() -> None:
    released.set()
    for wake in _wakers:
        wake()


def _answering_release(call):
    def call_or_release(self, environ, start_response):
        if environ.get("PATH_INFO") == RELEASE_WAITS_PATH and environ.get("REQUEST_METHOD") == "POST":
            release()
            start_response("204 No Content", [])
            return [b""]
        return call(self, environ, start_response)

    return call_or_release


def install() -> None:
    DomainDispatcherApplication.__call__ = _answering_release(DomainDispatcherApplication.__call__)
