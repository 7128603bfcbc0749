"""Terraform in the rehearsal's copy of the module: the emulator override, and each command bounded in time."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

PLUGIN_DIR = Path("/opt/tf-plugins")
OVERRIDE_FILE = "emulator_override.tf"
INTERRUPT_GRACE = 60

# Provider endpoint names for every service the module's resources and data sources call.
ENDPOINT_SERVICES = (
    "apigateway",
    "cloudwatch",
    "dynamodb",
    "events",
    "iam",
    "kms",
    "lambda",
    "logs",
    "pipes",
    "sfn",
    "sns",
    "sqs",
    "sts",
)


class TerraformFailed(Exception):
    """A terraform command failed or ran out of time; the message names its log."""


def binary() -> str | None:
    return shutil.which("terraform")


def override(endpoint: str) -> str:
    """The *_override.tf that points the module's provider at the emulator (merged by Terraform only)."""
    endpoints = "\n".join(f'    {name:<10} = "{endpoint}"' for name in ENDPOINT_SERVICES)
    return f"""# Written by infra/rehearsal: the rehearsal's copy of the module only, never infra/.
provider "aws" {{
  access_key                  = "rehearsal"
  secret_key                  = "rehearsal"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true

  endpoints {{
{endpoints}
  }}
}}

# The rehearsal must be able to destroy what it applied.
resource "aws_dynamodb_table" "table" {{
  deletion_protection_enabled = false
}}
"""


@dataclass
class Terraform:
    """Runs terraform in ``module``; each command's output goes to ``logs/<name>.log``."""

    module: Path
    logs: Path

    def run(self, name: str, args: list[str], timeout: float) -> str:
        self.logs.mkdir(parents=True, exist_ok=True)
        log = self.logs / f"{name}.log"
        env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"}
        started = time.monotonic()
        with log.open("w") as out:
            process = subprocess.Popen(
                [binary() or "terraform", *args],
                cwd=self.module,
                env=env,
                stdout=subprocess.PIPE,
                stderr=out,
                text=True,
            )
            try:
                stdout, _ = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                # An interrupted terraform stops its operations and saves the state, so destroy still
                # knows what was created.
                process.send_signal(signal.SIGINT)
                try:
                    stdout, _ = process.communicate(timeout=INTERRUPT_GRACE)
                except subprocess.TimeoutExpired:
                    process.kill()
                    stdout, _ = process.communicate()
                out.write(stdout)
                raise TerraformFailed(
                    f"terraform {args[0]} did not finish within {timeout:.0f} s (see {log})"
                ) from None
            out.write(stdout)
        if process.returncode != 0:
            raise TerraformFailed(
                f"terraform {args[0]} failed after {time.monotonic() - started:.0f} s (see {log}):\n"
                + last_error(log.read_text())
            )
        return stdout

    def init(self) -> None:
        args = ["init", "-backend=false", "-input=false", "-no-color"]
        if PLUGIN_DIR.is_dir():
            args.append(f"-plugin-dir={PLUGIN_DIR}")
        self.run("init", args, timeout=120)

    def graph(self) -> str:
        return self.run("graph", ["graph"], timeout=120)

    def plan(self) -> dict:
        self.run("plan", ["plan", "-input=false", "-no-color", "-out=tfplan"], timeout=300)
        return json.loads(self.run("show-plan", ["show", "-json", "tfplan"], timeout=120))

    def apply(self, targets: list[str], timeout: float) -> None:
        self.run(
            "apply",
            ["apply", "-input=false", "-no-color", "-auto-approve", *(f"-target={t}" for t in targets)],
            timeout=timeout,
        )

    def destroy(self, attempt: int, timeout: float) -> None:
        self.run(f"destroy-{attempt}", ["destroy", "-input=false", "-no-color", "-auto-approve"], timeout=timeout)

    def state(self) -> dict:
        return json.loads(self.run("show-state", ["show", "-json"], timeout=120))

    def outputs(self) -> dict:
        raw = json.loads(self.run("output", ["output", "-json"], timeout=60))
        return {name: entry["value"] for name, entry in raw.items()}


def last_error(log: str) -> str:
    """The 'Error:' paragraphs of a terraform log, or its last lines."""
    paragraphs = [p.strip() for p in log.split("\n\n") if p.strip().startswith(("Error:", "│ Error:"))]
    return "\n".join(paragraphs[:5]) or "\n".join(log.strip().splitlines()[-10:])


def managed_instances(state: dict) -> list[str]:
    """Addresses of the managed resource instances in `terraform show -json` of the state."""
    found = []
    for resource in (state.get("values") or {}).get("root_module", {}).get("resources", []):
        if resource.get("mode") == "managed":
            found.append(resource["address"])
    return found


def planned_creates(plan: dict) -> list[str]:
    return [
        change["address"]
        for change in plan.get("resource_changes", [])
        if change.get("mode") == "managed" and "create" in change["change"]["actions"]
    ]
