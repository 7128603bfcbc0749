"""The local stack: embedded AWS, provisioned resources, deliveries and the API, started and stopped together.

Four processes: the embedded AWS's two (emulator.py: moto, and moto for DynamoDB), this one
(provisioning, deliveries, handlers, the console), and the API's (api_process.py).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, field

from chalicelib.aws import clients
from local_runtime import faults, lambda_endpoint, positions, provision, state_machines
from local_runtime.api_process import ApiProcess
from local_runtime.chalice_app import load_app
from local_runtime.console.http import PREFIX as CONSOLE_PREFIX
from local_runtime.console.http import Console
from local_runtime.console.server import ConsoleServer
from local_runtime.emulator import EmbeddedAws, point_boto3_at
from local_runtime.invoke import Invoker, import_handler_modules
from local_runtime.runtime import build_workers
from local_runtime.settings import Settings
from local_runtime.worker import LONG_POLL_SECONDS, Worker

log = logging.getLogger("local")
# An Express execution's retries take at most about 30 s (payments.asl.json: 5 retries, delays up to 4 s each).
WORKFLOW_DRAIN_SECONDS = 45


# The delivery loops and the handlers share this process's GIL, and nearly every thread spends
# its life waiting on a socket. After each wait a thread queues for the GIL behind busy ones; with
# CPython's default 5 ms interval an API request waited several ms per hand-off.
SWITCH_INTERVAL_SECONDS = 0.001

# LocalStack.exit_code when the embedded AWS, or the API's process, died under the stack.
EMULATOR_DIED = 3
API_DIED = 5


@dataclass
class LocalStack:
    settings: Settings
    with_api: bool = True
    aws: EmbeddedAws | None = None
    app: object = None
    _api: ApiProcess | None = None
    _console: ConsoleServer | None = None
    _lambda_endpoint: object = None
    resources: provision.Resources | None = None
    invoker: Invoker | None = None
    workers: list[Worker] = field(default_factory=list)
    # Set when the stack should stop: a signal, or the embedded AWS dying.
    done: threading.Event = field(default_factory=threading.Event)
    exit_code: int = 0

    def start(self) -> None:
        s = self.settings
        sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
        s.state_dir.mkdir(parents=True, exist_ok=True)
        if s.fresh:
            positions.forget(s.state_dir)
        self.app, config = load_app(s.stage, s.handler_log_level)
        injector = faults.from_env(os.environ)
        injector.check_functions(self.app.handler_map)
        self.invoker = Invoker(self.app, config.app_name, s.stage, faults=injector)
        if self.invoker.faults:
            log.info("fault injection: LOCAL_LAMBDA_FAULTS=%s", self.invoker.faults.spec)
        aws_endpoint = f"http://{s.host}:{s.aws_port}"
        if self.with_api:
            # Listening before moto starts, because moto learns its port (MOTO_PORT) at spawn.
            self._lambda_endpoint = lambda_endpoint.started(self.invoker, aws_endpoint, s.host)
            # The API's process loads the app while the emulator starts; it serves once the tables exist.
            self._api = ApiProcess(s, on_death=self._api_died)
            self._api.launch()
        lambda_port = self._lambda_endpoint.port if self._lambda_endpoint else None
        self.aws = EmbeddedAws(
            s.host, s.aws_port, lambda_port=lambda_port, state_dir=s.state_dir, fresh=s.fresh, on_death=self._aws_died
        )
        started = time.perf_counter()
        # The handlers' imports (about 0.4 s) overlap the emulator's start; deliveries wait for them.
        imports = threading.Thread(target=import_handler_modules, name="handler-imports", daemon=True)
        imports.start()
        self.aws.start()
        # The stage config names 4566; the port actually in use wins.
        point_boto3_at(self.aws.endpoint, self.aws.dynamodb_endpoint)
        clients.reset()
        self.resources = provision.provision()
        log.info(
            "embedded AWS on %s (DynamoDB's own process on %s) in %.0f ms (state: %s%s); tables: %s",
            self.aws.endpoint,
            self.aws.dynamodb_endpoint,
            (time.perf_counter() - started) * 1000,
            s.state_dir,
            ", fresh" if s.fresh else "",
            ", ".join(sorted(self.resources.tables.values())),
        )
        imports.join()
        if self.with_api:
            self.workers = build_workers(self.app, self.invoker, self.resources)
            resumed = positions.resume(s.state_dir, self.workers)
            if resumed:
                log.info("resumed %d stream readers and schedules where they stopped", resumed)
            for worker in self.workers:
                worker.start()
            log.info("delivering: %s", ", ".join(w.name for w in self.workers))
            threading.Thread(target=self._save_positions_periodically, name="positions", daemon=True).start()
            # State machines: their Lambda tasks reach our handlers through the Invoke endpoint (MOTO_PORT).
            self._lambda_endpoint.task_states.update(state_machines.create_all(self.invoker))
            self._console = ConsoleServer(Console(self.resources, self.workers), s.host)
            self._console.start()
            self._api.serve(self._console.url, self.aws.dynamodb_endpoint)
            api = f"http://{s.host}:{s.api_port}"
            log.info("API on %s  (Swagger UI %s/docs, OpenAPI %s/openapi.json)", api, api, api)
            log.info("console on %s%s", api, CONSOLE_PREFIX)

    def _aws_died(self, code: int) -> None:
        # Stop rather than restart: what changed since the last periodic save is gone, and a
        # silent restart would hide that; `make dev` again restores that save.
        log.error("stopping the stack (exit %d); `make dev` again restores the last save", EMULATOR_DIED)
        self.exit_code = EMULATOR_DIED
        self.done.set()

    def _api_died(self, code: int) -> None:
        log.error("stopping the stack (exit %d); `make dev` starts it again", API_DIED)
        self.exit_code = API_DIED
        self.done.set()

    def _finish_workflows(self, timeout: float = WORKFLOW_DRAIN_SECONDS) -> None:
        """Let running executions end (their tasks need the Invoke endpoint): each ends in one outcome."""
        deadline = time.monotonic() + timeout
        announced = False
        while (running := state_machines.running_executions()) and time.monotonic() < deadline:
            if not announced:
                log.info("stopping: waiting for %d workflow execution(s) to finish (up to %.0f s)", running, timeout)
                announced = True
            time.sleep(0.2)
        if running:
            log.warning("stopping: %d workflow execution(s) still running; their payments stay PENDING", running)

    def _save_positions_periodically(self) -> None:
        while not self.done.wait(self.settings.save_seconds):
            try:
                positions.save(self.settings.state_dir, self.workers)
            except OSError:
                log.exception("could not save the runtime's positions")

    def stop(self) -> None:
        """API first (refuse, finish in flight), then deliveries, then the embedded AWS (which saves)."""
        self.done.set()
        if self._console is not None:
            self._console.stop()  # ends the live traces, which the API would otherwise wait for
        if self._api is not None:
            self._api.stop()  # it logs its own "API closed"
        for worker in self.workers:
            worker.stop()
        if self.workers and self.aws is not None:
            self.aws.release_waits()  # a loop in a long poll comes back now, not when the poll ends
        for worker in self.workers:
            worker.join(timeout=LONG_POLL_SECONDS + 5)
        if self.workers:
            log.info("stopping: deliveries finished")
            if self.exit_code != EMULATOR_DIED:
                # After a death the emulator's last save is older than these; keeping the older
                # positions replays a little instead of skipping.
                positions.save(self.settings.state_dir, self.workers)
        if self._lambda_endpoint is not None:
            # Only once the state machines exist (a stop during start has none to wait for).
            if self.exit_code != EMULATOR_DIED and self._lambda_endpoint.task_states:
                self._finish_workflows()
            self._lambda_endpoint.stop()
        if self.aws is not None:
            self.aws.stop()
            log.info("stopping: embedded AWS stopped")
