"""Shared fixtures: moto in-process for unit and API tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from moto import mock_aws

from chalicelib.aws import clients

PROJECT_DIR = Path(__file__).resolve().parent.parent
# chalice.test.Client applies a stage's environment; "dev" is the stage tests run as.
TEST_STAGE = "dev"
TEST_PREFIX = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())["stages"][TEST_STAGE][
    "environment_variables"
]["RESOURCE_PREFIX"]


@pytest.fixture
def aws(monkeypatch):
    """moto in-process with every declared resource created; no endpoint, no network."""
    # With AWS_ENDPOINT_URL set, mock_aws would not intercept and tests would hit a live server.
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("RESOURCE_PREFIX", TEST_PREFIX)
    clients.reset()
    from chalicelib import idempotency

    idempotency.persistence_store.cache_clear()
    with mock_aws():
        from local_runtime import provision

        yield provision.provision()
    clients.reset()
    idempotency.persistence_store.cache_clear()


@pytest.fixture
def api(aws):
    """Chalice's test client on the real app."""
    from chalice.test import Client

    from app import app

    with Client(app, stage_name=TEST_STAGE, project_dir=str(PROJECT_DIR)) as client:
        yield client
