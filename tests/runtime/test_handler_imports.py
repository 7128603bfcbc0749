"""The runtime imports what the handlers reach before deliveries start, so their first runs never race."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
from local_runtime.invoke import import_handler_modules
names = import_handler_modules()
print(json.dumps({"names": names, "loaded": sorted(m for m in sys.modules if m.startswith(("chalicelib", "aws_lambda_powertools.utilities.data_classes")))}))
"""


def test_every_handler_module_is_imported_up_front():
    env = {"RESOURCE_PREFIX": "orders-platform-local", "AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=PROJECT, env=env, capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    on_disk = {
        ".".join(p.relative_to(PROJECT).with_suffix("").parts).removesuffix(".__init__")
        for p in (PROJECT / "chalicelib").rglob("*.py")
    }
    assert on_disk <= set(result["names"]) | {"chalicelib"}
    assert on_disk <= set(result["loaded"])
    # The package whose import cycle raced under concurrent first deliveries.
    assert "aws_lambda_powertools.utilities.data_classes.sqs_event" in result["loaded"]
