"""Runs the real terraform over a built module, offline: the local provider mirror when there is
one, fake credentials, and STS (the only call a plan makes) answered by a local moto."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

TERRAFORM = shutil.which("terraform")
MIRROR = Path(os.environ.get("TF_PLUGIN_MIRROR", "/opt/tf-plugins"))

# Written beside the module's files for a plan only; Terraform merges it into the provider block.
PLAN_PROVIDER = """provider "aws" {{
  access_key                  = "fake"
  secret_key                  = "fake"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true

  endpoints {{
    sts = "{sts}"
  }}
}}
"""


def require_terraform() -> None:
    """Fails a test, saying what to install, when no terraform binary is on PATH: the plan checks are part of make test."""
    if not TERRAFORM:
        pytest.fail("no terraform on PATH: install Terraform >= 1.10 (the plan checks need it)", pytrace=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env() -> dict[str, str]:
    """terraform's environment: fake credentials, no endpoint or profile leaking in from the shell."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    return {
        **keep,
        "AWS_ACCESS_KEY_ID": "fake",
        "AWS_SECRET_ACCESS_KEY": "fake",
        "AWS_DEFAULT_REGION": "us-east-1",
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
    }


def run(module: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [TERRAFORM, *args], cwd=module, env=env(), capture_output=True, text=True, check=False, timeout=600
    )
    if check and result.returncode != 0:
        raise AssertionError(f"terraform {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def init(module: Path, *extra: str) -> subprocess.CompletedProcess:
    mirror = [f"-plugin-dir={MIRROR}"] if MIRROR.is_dir() else []
    return run(module, "init", "-input=false", "-no-color", *mirror, *extra)


def plan_json(module: Path, sts_url: str, *variables: str) -> dict:
    """Plans the module with STS at ``sts_url`` and returns `terraform show -json` of the plan.

    ``variables`` are "name=value" pairs given with -var."""
    (module / "zz_plan_provider_override.tf").write_text(PLAN_PROVIDER.format(sts=sts_url))
    var_args = [f"-var={v}" for v in variables]
    run(module, "plan", "-input=false", "-no-color", *var_args, "-out=tfplan")
    return json.loads(run(module, "show", "-json", "tfplan").stdout)
