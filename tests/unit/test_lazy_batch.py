"""emulator_patches/lazy_batch.py: Step Functions loads without EC2; Batch still loads when used."""

from __future__ import annotations

import subprocess
import sys

from local_runtime.topology import PROJECT_DIR

# In a fresh interpreter: this one may have imported moto's Batch already.
PROBE = """
import sys
from local_runtime.emulator_patches import lazy_batch
lazy_batch.install()
import moto.stepfunctions.parser.models
print("ec2 with step functions:", "moto.ec2.models" in sys.modules)
from moto.batch import batch_backends
print("batch backends:", type(batch_backends).__name__)
import moto
print("as an attribute:", moto.batch.batch_backends is batch_backends)
"""


def test_step_functions_load_without_ec2_and_batch_still_loads_on_use():
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60, check=True
    )
    assert probe.stdout.splitlines() == [
        "ec2 with step functions: False",
        "batch backends: BackendDict",
        "as an attribute: True",
    ]
