"""A state file written by a forked copy of the emulator, so requests go on while it is written.

Pickling every backend holds the GIL for about half a second at 13 MB (more as the state grows), and
the locks a consistent snapshot needs stop every request for as long. Instead the saver forks under
those locks (a few milliseconds) and releases them at once; the child, a frozen copy of the process
(one thread, memory shared copy-on-write), pickles and writes the file while the server goes on:
Redis's BGSAVE. The child runs nothing but the pickling: no logging (another thread may have held a
handler's lock at the fork), no sockets (its copies are closed, so a connection the server closes
really closes), it dies with the emulator (PR_SET_PDEATHSIG), and it leaves by `os._exit`.
Linux only (`/proc/self/fd`, prctl); elsewhere the caller saves in-process.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import select
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

SUPPORTED = sys.platform == "linux"
_PR_SET_PDEATHSIG = 1
# Loaded here, not in the child: dlopen there could wait on a loader lock a frozen thread held.
_prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl if SUPPORTED else None
_REPORT_LIMIT = 4096


@dataclass(frozen=True)
class Outcome:
    """How one forked save ended: written (size in bytes), or why not."""

    written: bool
    size: int
    seconds: float
    paused_ms: float  # how long the locks were held: the only time requests waited
    error: str = ""


class ForkedSaves:
    """One forked save at a time; `close()` ends the running one and refuses new ones."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._child: int | None = None
        self._closed = False

    def save(self, path: Path, produce: Callable[[], bytes], locks: Sequence, timeout: float = 120.0) -> Outcome | None:
        """Fork under ``locks``; the child writes ``produce()`` to ``path``. Waits for it; None once closed."""
        started = time.perf_counter()
        read_end, write_end = os.pipe()
        try:
            with self._changed:
                if self._closed:
                    return None
                with contextlib.ExitStack() as held:
                    for lock in locks:
                        held.enter_context(lock)
                    locked = time.perf_counter()
                    parent = os.getpid()
                    child = os.fork()
                    if child == 0:  # the copy: never returns
                        _write_and_exit(path, produce, parent, write_end)
                paused_ms = (time.perf_counter() - locked) * 1000
                self._child = child
            os.close(write_end)
            write_end = -1
            report = _read_report(read_end, timeout)
            if report is None:  # stuck (a lock a frozen thread held?): the previous file stays
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
            _, status = os.waitpid(child, 0)
        finally:
            os.close(read_end)
            if write_end >= 0:
                os.close(write_end)
            with self._changed:
                self._child = None
                self._changed.notify_all()
        seconds = time.perf_counter() - started
        if report is None:
            return Outcome(False, 0, seconds, paused_ms, f"no answer within {timeout:.0f} s; killed")
        text = report.decode(errors="replace")
        if os.waitstatus_to_exitcode(status) == 0 and text.startswith("written "):
            return Outcome(True, int(text.split()[1]), seconds, paused_ms)
        return Outcome(False, 0, seconds, paused_ms, text or f"child ended with {os.waitstatus_to_exitcode(status)}")

    def close(self, timeout: float = 10.0) -> None:
        """No more forks; a save in progress is killed (a newer one follows) and reaped before this returns."""
        with self._changed:
            self._closed = True
            if self._child is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self._child, signal.SIGKILL)
            self._changed.wait_for(lambda: self._child is None, timeout)


def _read_report(fd: int, timeout: float) -> bytes | None:
    """What the child wrote to the pipe, once it closed it (it exited); None after ``timeout``."""
    deadline = time.monotonic() + timeout
    chunks = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, _REPORT_LIMIT)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def _write_and_exit(path: Path, produce: Callable[[], bytes], parent: int, report: int) -> None:
    code = 1
    try:
        for signum in (signal.SIGTERM, signal.SIGINT):  # moto's handlers raise SystemExit; here they just end it
            signal.signal(signum, signal.SIG_DFL)
        _die_with(parent)
        gc.disable()  # a collection would touch (and so copy) every tracked object's page
        _close_sockets()
        data = produce()
        aside = path.with_suffix(".tmp")
        _write_file(aside, data)
        if os.getppid() != parent:  # the emulator died meanwhile: a newer process may own the file now
            os._exit(1)
        os.replace(aside, path)
        os.write(report, f"written {len(data)}".encode())
        code = 0
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.write(report, f"{type(error).__name__}: {error}".encode(errors="replace")[:_REPORT_LIMIT])
    finally:
        os._exit(code)


def _die_with(parent: int) -> None:
    # SIGKILL when the thread that forked (the saver, which waits for us) dies, i.e. with the emulator.
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before prctl took effect
        os._exit(1)


def _close_sockets() -> None:
    """The server's listening socket and its connections: the parent alone answers and closes them."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        with contextlib.suppress(OSError):  # the listing's own descriptor is gone by now
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)


def _write_file(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
