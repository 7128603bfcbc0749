"""`make dev` refuses to start on what it cannot honour, in one line that says what to do."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.integration.stack import PROJECT_DIR, free_port


def start(state_dir, **env) -> tuple[int, str]:
    ports = {"LOCAL_AWS_PORT": str(free_port()), "LOCAL_API_PORT": str(free_port())}
    result = subprocess.run(
        [sys.executable, "-m", "local_runtime", "up"],
        cwd=PROJECT_DIR,
        env={**os.environ, "LOCAL_STATE_DIR": str(state_dir), **ports, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, result.stdout + result.stderr


def test_an_unreadable_state_file_stops_the_stack_with_what_to_do(tmp_path):
    (tmp_path / "emulator.pickle").write_bytes(b"not a pickle")
    code, output = start(tmp_path)
    assert code != 0
    assert "cannot be read" in output and "FRESH=1" in output, output
    assert "Traceback" not in output, output


def test_a_fault_rule_for_a_function_the_app_lacks_is_refused(tmp_path):
    code, output = start(tmp_path, LOCAL_LAMBDA_FAULTS="notifer=2")
    assert code == 2
    assert "notifer, not a function of this app" in output, output
    assert "Traceback" not in output, output


def test_a_malformed_fault_rule_is_refused(tmp_path):
    code, output = start(tmp_path, LOCAL_LAMBDA_FAULTS="notifier=abc")
    assert code == 2
    assert "the amount is a count (2) or a rate (10%)" in output, output
    assert "Traceback" not in output, output
