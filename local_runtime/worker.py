"""A polling thread that stops cleanly: the shape of every delivery loop here."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("local")


class Worker(threading.Thread):
    """Calls ``poll()`` until stopped; sleeps ``idle_seconds`` when a poll found nothing."""

    idle_seconds = 0.1

    def __init__(self, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self._stopping = threading.Event()

    def poll(self) -> bool:
        """Do one round of work; return whether there was any."""
        raise NotImplementedError

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                busy = self.poll()
            except Exception:
                if self._stopping.is_set():
                    return
                log.exception("%s: poll failed; retrying in 1 s", self.name)
                self._stopping.wait(1)
                continue
            if not busy:
                self._stopping.wait(self.idle_seconds)

    def stop(self) -> None:
        self._stopping.set()

    def sleep(self, seconds: float) -> bool:
        """Wait, unless stopping; returns False when the worker should stop."""
        return not self._stopping.wait(seconds)
