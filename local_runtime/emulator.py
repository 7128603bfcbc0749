"""The embedded AWS: moto's server in this process."""

from __future__ import annotations

import os

import requests
from moto.server import ThreadedMotoServer


class EmbeddedAws:
    """moto's server on loopback, configured for in-process execution (no Docker)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.endpoint = f"http://{host}:{port}"
        self._server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)

    def start(self) -> None:
        self._server.start()
        # Settings switch moto's storage backends, so they go in before any resource exists.
        requests.post(
            f"{self.endpoint}/moto-api/config",
            json={"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}},
            timeout=10,
        ).raise_for_status()

    def stop(self) -> None:
        self._server.stop()


def point_boto3_at(endpoint: str) -> None:
    """Make every boto3 client of this process talk to ``endpoint`` with fake credentials."""
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"] = "true"
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
