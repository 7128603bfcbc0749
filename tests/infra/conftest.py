"""Builds the Terraform module once per session, as `make package` does, into a temporary dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra import build

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> tuple[build.Module, Path]:
    out = tmp_path_factory.mktemp("terraform") / "module"
    return build.build(PROJECT, "dev", out), out


@pytest.fixture(scope="session")
def module_dir(built) -> Path:
    return built[1]


@pytest.fixture(scope="session")
def module_text(module_dir) -> dict[str, str]:
    """File name -> text of every .tf file in the module."""
    return {p.name: p.read_text() for p in sorted(module_dir.glob("*.tf"))}


@pytest.fixture(scope="session")
def config() -> dict:
    return json.loads((PROJECT / ".chalice" / "config.json").read_text())
