"""The local stack: embedded AWS, provisioned resources and the API, started and stopped together."""

from __future__ import annotations

import functools
import logging
import os
import threading
from dataclasses import dataclass, field

from chalice.cli.factory import CLIFactory
from chalice.local import ChaliceRequestHandler, create_local_server

from chalicelib.aws import clients
from local_runtime import lambda_endpoint, provision, state_machines
from local_runtime.emulator import EmbeddedAws, point_boto3_at
from local_runtime.invoke import Invoker
from local_runtime.runtime import build_workers
from local_runtime.topology import PROJECT_DIR
from local_runtime.worker import Worker

log = logging.getLogger("local")


@dataclass
class Settings:
    host: str = "127.0.0.1"
    aws_port: int = 4566
    api_port: int = 8000
    stage: str = "local"
    http_log: bool = False

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            host=os.environ.get("LOCAL_HOST", "127.0.0.1"),
            aws_port=int(os.environ.get("LOCAL_AWS_PORT", "4566")),
            api_port=int(os.environ.get("LOCAL_API_PORT", "8000")),
            stage=os.environ.get("LOCAL_STAGE", "local"),
            http_log=os.environ.get("LOCAL_HTTP_LOG", "") not in ("", "0"),
        )


def load_app(stage: str):
    """Load app.py as `chalice local --stage` does, with the stage's environment applied."""
    factory = CLIFactory(str(PROJECT_DIR), environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name=stage)
    app = factory.load_chalice_app(environment_variables=config.environment_variables)
    return app, config


class _QuietRequestHandler(ChaliceRequestHandler):
    """Chalice's handler without its access log line; the trace says what matters."""

    def log_message(self, format, *args) -> None:
        pass


def _api_server(app, config, host: str, port: int, http_log: bool):
    """Chalice's local server, as `chalice local` runs it; access log only with LOCAL_HTTP_LOG=1."""
    server = create_local_server(app, config, host, port)
    if not http_log:
        server.server.RequestHandlerClass = functools.partial(_QuietRequestHandler, app_object=app, config=config)
    return server


@dataclass
class LocalStack:
    settings: Settings
    with_api: bool = True
    aws: EmbeddedAws | None = None
    app: object = None
    _api_server: object = None
    _lambda_endpoint: object = None
    resources: provision.Resources | None = None
    invoker: Invoker | None = None
    workers: list[Worker] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        s = self.settings
        self.app, config = load_app(s.stage)
        self.invoker = Invoker(self.app, config.app_name, s.stage)
        aws_endpoint = f"http://{s.host}:{s.aws_port}"
        if self.with_api:
            # Listening before moto starts, because moto learns its port (MOTO_PORT) at spawn.
            self._lambda_endpoint = lambda_endpoint.started(self.invoker, aws_endpoint, s.host)
        lambda_port = self._lambda_endpoint.port if self._lambda_endpoint else None
        self.aws = EmbeddedAws(s.host, s.aws_port, lambda_port=lambda_port)
        self.aws.start()
        # The stage config names 4566; the port actually in use wins.
        point_boto3_at(self.aws.endpoint)
        clients.reset()
        self.resources = provision.provision()
        log.info("embedded AWS on %s; tables: %s", self.aws.endpoint, ", ".join(sorted(self.resources.tables.values())))
        if self.with_api:
            self.workers = build_workers(self.app, self.invoker, self.resources)
            for worker in self.workers:
                worker.start()
            log.info("delivering: %s", ", ".join(w.name for w in self.workers))
            # State machines: their Lambda tasks reach our handlers through the Invoke endpoint (MOTO_PORT).
            self._lambda_endpoint.task_states.update(state_machines.create_all(self.invoker))
        if self.with_api:
            self._api_server = _api_server(self.app, config, s.host, s.api_port, s.http_log)
            thread = threading.Thread(target=self._api_server.serve_forever, name="api", daemon=True)
            thread.start()
            self._threads.append(thread)
            log.info("API on http://%s:%d", s.host, s.api_port)

    def stop(self) -> None:
        if self._lambda_endpoint is not None:
            self._lambda_endpoint.stop()
        for worker in self.workers:
            worker.stop()
        for worker in self.workers:
            worker.join(timeout=5)
        if self._api_server is not None:
            self._api_server.shutdown()
        if self.aws is not None:
            self.aws.stop()
