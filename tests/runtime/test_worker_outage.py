"""A worker that loses the embedded AWS says so once per outage, and once when it is back (issue 9, point 3)."""

from __future__ import annotations

import logging

from botocore.exceptions import EndpointConnectionError

from local_runtime.worker import Worker


class Flaky(Worker):
    retry_seconds = 0.001
    idle_seconds = 0.001

    def __init__(self, script):
        super().__init__("flaky")
        self.script = list(script)

    def poll(self):
        if not self.script:
            self.stop()
            return False
        step = self.script.pop(0)
        if step == "down":
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
        if step == "bug":
            raise ValueError("same bug")
        return True


def run(script, caplog) -> list[str]:
    with caplog.at_level(logging.INFO, logger="local"):
        worker = Flaky(script)
        worker.run()
    return [r.getMessage() for r in caplog.records if r.name == "local"]


def test_one_line_per_outage_and_one_when_it_is_back(caplog):
    lines = run(["ok"] + ["down"] * 50 + ["ok", "ok"] + ["down"] * 20 + ["ok"], caplog)
    assert len(lines) == 4, lines
    assert [("lost the embedded AWS" in line, "again" in line) for line in lines] == [
        (True, False),
        (False, True),
        (True, False),
        (False, True),
    ]
    assert all(r.exc_info is None for r in caplog.records)  # no traceback for a lost connection


def test_a_repeating_error_logs_its_traceback_once(caplog):
    lines = run(["bug"] * 30 + ["ok"], caplog)
    assert len(lines) == 2, lines
    assert sum(1 for r in caplog.records if r.exc_info) == 1
