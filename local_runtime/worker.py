"""A polling thread that stops cleanly: the shape of every delivery loop here."""

from __future__ import annotations

import logging
import os
import threading

import requests
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

log = logging.getLogger("local")
# How long an idle delivery loop waits on the embedded AWS for work (SQS long polls, the stream wait).
# Work that arrives ends the wait at once; longer waits mean fewer idle calls, and a stop that waits
# up to this long for a loop to come back.
LONG_POLL_SECONDS = float(os.environ.get("LOCAL_LONG_POLL_SECONDS", "5"))
# What a poll raises when the embedded AWS is unreachable (dead, restarting, overloaded).
CONNECTION_ERRORS = (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError, requests.ConnectionError)


class Worker(threading.Thread):
    """Calls ``poll()`` until stopped; sleeps ``idle_seconds`` when a poll found nothing."""

    idle_seconds = 0.1
    retry_seconds = 1.0

    def __init__(self, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self._stopping = threading.Event()
        self._outage: str | None = None  # what the first failed poll of an outage said

    def poll(self) -> bool:
        """Do one round of work; return whether there was any."""
        raise NotImplementedError

    def finish(self) -> None:
        """Called once after the last poll, before the thread ends (a stop, or the loop's end)."""

    def run(self) -> None:
        try:
            self._loop()
        finally:
            self.finish()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                busy = self.poll()
            except CONNECTION_ERRORS as error:
                if self._stopping.is_set():
                    return
                # One line per outage, not one per poll: a dead emulator must not flood the console.
                if self._outage is None:
                    self._outage = f"{type(error).__name__}: {error}"
                    log.warning(
                        "%s: lost the embedded AWS (%s); retrying every %.0f s",
                        self.name,
                        self._outage,
                        self.retry_seconds,
                    )
                self._stopping.wait(self.retry_seconds)
                continue
            except Exception as error:
                if self._stopping.is_set():
                    return
                # The same failure poll after poll is one story: its traceback once, then silence.
                if self._outage != repr(error):
                    self._outage = repr(error)
                    log.exception("%s: poll failed; retrying every %.0f s", self.name, self.retry_seconds)
                self._stopping.wait(self.retry_seconds)
                continue
            if self._outage is not None:
                log.warning("%s: polls succeed again", self.name)
                self._outage = None
            if not busy:
                self._stopping.wait(self.idle_seconds)

    def stop(self) -> None:
        self._stopping.set()

    def sleep(self, seconds: float) -> bool:
        """Wait, unless stopping; returns False when the worker should stop."""
        return not self._stopping.wait(seconds)
