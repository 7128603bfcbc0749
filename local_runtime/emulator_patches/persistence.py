"""The embedded AWS keeps its data across restarts: moto's backends pickled to a state file.

Restored at startup unless LOCAL_FRESH is set; saved on a graceful stop (SIGTERM from the
stack, see stop()) and every LOCAL_SAVE_SECONDS (default 10), so a SIGKILL loses
at most the last interval. The file is written aside and renamed: a crash mid-save leaves
the previous one whole. moto has no persistence of its own (its snapshot API is a reset).
The periodic saves are written by a forked copy of the process (forked_save.py), so requests
wait only for the fork, not for the pickling; the graceful stop's save runs in-process.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import os
import pickle
import sys
import threading
import time
from pathlib import Path

from moto.core.base_backend import BackendDict, backend_lock

from local_runtime.emulator_patches import (
    DYNAMODB_ENDPOINT_VARIABLE,
    DYNAMODB_ROLE,
    PROCESS_ROLE_VARIABLE,
    UNREADABLE_STATE_EXIT,
)
from local_runtime.emulator_patches.forked_save import SUPPORTED as FORK_SUPPORTED
from local_runtime.emulator_patches.forked_save import ForkedSaves

log = logging.getLogger("emulator")
STATE_FILE = "emulator.pickle"
DYNAMODB_STATE_FILE = "emulator-dynamodb.pickle"
# The services the DynamoDB process keeps (moto.dynamodbstreams holds only cursors; see below).
DYNAMODB_MODULES = ("moto.dynamodb.",)
# Per-connection cursors, not data: every GetRecords adds a shard iterator, so keeping them
# would grow the file without end; restarted readers ask for new ones from their positions.
TRANSIENT_MODULES = ("moto.dynamodbstreams.",)
_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))
# Writes the saver must not interleave with; dynamodb_atomic_writes shares it when installed.
write_lock = threading.RLock()
_forked_saves = ForkedSaves()


class _Pickler(pickle.Pickler):
    """Locks do not pickle; moto's SQS queues hold some. A restored backend gets fresh ones."""

    def reducer_override(self, obj):
        if isinstance(obj, _LOCK_TYPES):
            return (threading.RLock if isinstance(obj, type(threading.RLock())) else threading.Lock), ()
        return NotImplemented


def _name_of(backends: BackendDict) -> tuple[str, str] | None:
    """(module, attribute) where the live BackendDict lives, so a restore finds it again."""
    module = sys.modules.get(backends.backend.__module__)
    for attribute, value in vars(module or object()).items():
        if value is backends:
            return module.__name__, attribute
    return None


def snapshot(attempts: int = 20) -> bytes:
    """Every in-use backend's regions, as one pickle (shared objects stay shared)."""
    for _ in range(attempts - 1):
        try:
            return _snapshot()
        except RuntimeError:  # a request thread resized a dict mid-pickle; take it again
            time.sleep(0.01)
    return _snapshot()


def _consistency_locks() -> tuple:
    # write_lock first: a DynamoDB write holds it and may then take backend_lock (same order, no deadlock).
    return (write_lock, backend_lock)


def _snapshot() -> bytes:
    with contextlib.ExitStack() as held:
        for lock in _consistency_locks():
            held.enter_context(lock)
        return _pickled_backends()


def _pickled_backends() -> bytes:
    """The pickle itself; the caller holds the locks (or is a forked copy taken under them)."""
    state = {}
    for backends in list(BackendDict._instances):
        name = _name_of(backends)
        if name is not None and not name[0].startswith(TRANSIENT_MODULES):
            state[name] = {account: dict(regions) for account, regions in backends.items()}
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(state)
    return buffer.getvalue()


def restore(data: bytes, keep=lambda module: True) -> int:
    """Put a snapshot's backends (those whose module ``keep`` accepts) into moto's live BackendDicts; returns how many services."""
    state = pickle.loads(data)  # our own file, written by snapshot() in this same layout
    state = {name: accounts for name, accounts in state.items() if keep(name[0])}
    for (module, attribute), accounts in state.items():
        backends = getattr(importlib.import_module(module), attribute)
        for account, regions in accounts.items():
            for region, backend in regions.items():
                dict.__setitem__(backends[account], region, backend)
    return len(state)


def state_path() -> Path | None:
    """This process's state file: the DynamoDB process (see dynamodb_forwarding.py) keeps its own."""
    folder = os.environ.get("LOCAL_STATE_DIR")
    if not folder:
        return None
    if os.environ.get(PROCESS_ROLE_VARIABLE) == DYNAMODB_ROLE:
        return Path(folder) / DYNAMODB_STATE_FILE
    return Path(folder) / STATE_FILE


def _is_dynamodb(module: str) -> bool:
    return module.startswith(DYNAMODB_MODULES)


def _restored_from(path: Path) -> tuple[Path, object] | None:
    """Which file this process restores from, and which of its services it takes."""
    if os.environ.get(PROCESS_ROLE_VARIABLE) == DYNAMODB_ROLE:
        if path.exists():
            return path, _is_dynamodb
        # A state saved before DynamoDB had its own process: its tables are in the main file.
        shared = path.with_name(STATE_FILE)
        return (shared, _is_dynamodb) if shared.exists() else None
    if not path.exists():
        return None
    # The main process's DynamoDB is never asked (its calls are forwarded): it restores none.
    return path, (lambda module: not _is_dynamodb(module)) if os.environ.get(DYNAMODB_ENDPOINT_VARIABLE) else (
        lambda _: True
    )


def save(path: Path, level: int = logging.INFO) -> None:
    started = time.perf_counter()
    data = snapshot()
    aside = path.with_suffix(".tmp")
    aside.write_bytes(data)
    os.replace(aside, path)
    log.log(level, "saved %d KiB to %s in %.0f ms", len(data) // 1024, path, (time.perf_counter() - started) * 1000)


def _save_quietly(path: Path, level: int = logging.INFO) -> None:
    try:
        save(path, level)
    except RuntimeError as error:  # busy backends kept changing under the pickler; the next save tries again
        log.warning(
            "could not save the embedded AWS's state to %s this time (%s); the previous save stays", path, error
        )
    except Exception:  # a failed save must not take the emulator down; the previous file stays
        log.exception("could not save the embedded AWS's state to %s", path)


def _save_periodically(path: Path, every: float) -> None:
    # Every interval, not "when changed": the stack's own polls change state (receive counts) anyway.
    forked = FORK_SUPPORTED
    while True:
        time.sleep(every)
        if forked:
            try:
                outcome = _forked_saves.save(path, _pickled_backends, _consistency_locks())
            except OSError as error:  # fork refused (memory, process limit): the slower way still saves
                log.warning("cannot fork to save the embedded AWS's state (%s); saving in-process from now on", error)
                forked = False
            except Exception:  # the saver must outlive one bad save; the previous file stays
                log.exception("could not save the embedded AWS's state to %s", path)
                continue
            else:
                if outcome is None:  # stopping: stop() saves
                    return
                _log_forked(path, outcome)
                continue
        _save_quietly(path, logging.DEBUG)  # a line every interval would bury the trace


def _log_forked(path: Path, outcome) -> None:
    if outcome.written:
        log.debug(
            "saved %d KiB to %s in %.0f ms in a forked copy (requests paused %.1f ms for the fork)",
            outcome.size // 1024,
            path,
            outcome.seconds * 1000,
            outcome.paused_ms,
        )
    else:
        log.warning(
            "could not save the embedded AWS's state to %s this time (%s); the previous save stays", path, outcome.error
        )


def install() -> None:
    path = state_path()
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    source = None
    if os.environ.get("LOCAL_FRESH", "") not in ("", "0"):
        path.unlink(missing_ok=True)
    else:
        source = _restored_from(path)
    if source is not None:
        started = time.perf_counter()
        try:
            services = restore(source[0].read_bytes(), keep=source[1])
        except Exception as error:  # a torn file, or one written by another moto version
            log.error(
                "the saved state in %s cannot be read (%s: %s); start empty with `make dev FRESH=1` "
                "(LOCAL_FRESH=1), or move the file away to keep it",
                source[0],
                type(error).__name__,
                error,
            )
            sys.exit(UNREADABLE_STATE_EXIT)
        log.info("restored %d services from %s in %.0f ms", services, source[0], (time.perf_counter() - started) * 1000)
        if source[0] != path:  # moved out of the shared file: saved in its own before the main one drops it
            _save_quietly(path)
    every = float(os.environ.get("LOCAL_SAVE_SECONDS", "10"))
    if every > 0:
        threading.Thread(target=_save_periodically, args=(path, every), name="state-saver", daemon=True).start()


def stop() -> None:
    """The graceful stop's save (SIGTERM from the stack); emulator_server calls it."""
    path = state_path()
    if path is not None:
        _forked_saves.close()  # a copy still pickling is older than what this save writes
        _save_quietly(path)
