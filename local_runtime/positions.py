"""The runtime's own positions across restarts: stream readers' sequence numbers, schedules' last fire.

moto's state (emulator_patches/persistence.py) holds the streams; where each of our pollers
was in them is ours to keep, or a restart would replay a stream from its start or skip what
arrived while it was down. Saved on a graceful stop and every few seconds.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger("local")
FILE = "runtime-positions.json"


def _keeper(worker):
    """What holds a worker's position: its stream reader, or the worker itself (schedules)."""
    reader = getattr(worker, "reader", None)
    if reader is not None and hasattr(reader, "position"):
        return reader
    return worker if hasattr(worker, "position") else None


def resume(state_dir: Path, workers) -> int:
    """Hand each worker its saved position; returns how many resumed."""
    path = state_dir / FILE
    if not path.exists():
        return 0
    saved = json.loads(path.read_text())
    resumed = 0
    for worker in workers:
        keeper = _keeper(worker)
        if keeper is not None and worker.name in saved:
            keeper.resume(saved[worker.name])
            resumed += 1
    return resumed


def save(state_dir: Path, workers) -> None:
    positions = {w.name: _keeper(w).position() for w in workers if _keeper(w) is not None}
    aside = state_dir / f"{FILE}.tmp"
    aside.write_text(json.dumps(positions, indent=1, sort_keys=True))
    os.replace(aside, state_dir / FILE)


def forget(state_dir: Path) -> None:
    (state_dir / FILE).unlink(missing_ok=True)
