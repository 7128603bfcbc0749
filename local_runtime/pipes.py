"""EventBridge Pipes, which moto stores but never runs: stream -> filter -> enrichment -> bus."""

from __future__ import annotations

import json
import logging
import time

from moto.events.models import EventPattern

from chalicelib.aws import event_publisher
from chalicelib.aws.clients import client
from local_runtime import trace
from local_runtime.input_transformer import placeholders, transform
from local_runtime.invoke import Invoker
from local_runtime.stream_reader import StreamReader
from local_runtime.worker import Worker

log = logging.getLogger("local")


class Pipe(Worker):
    """One pipe, configured by the topology's `pipe` entry."""

    def __init__(
        self, invoker: Invoker, spec: dict, reader: StreamReader, dlq_url: str | None, retry_delay: float = 0.2
    ) -> None:
        super().__init__(f"pipe:{spec['name']}")
        self.invoker, self.spec, self.reader, self.dlq_url = invoker, spec, reader, dlq_url
        # moto's matcher implements EventBridge pattern syntax, which pipe filters share.
        self.filters = [EventPattern.load(json.dumps(f)) for f in spec.get("filter") or []]
        self.max_retries = spec["source"].get("maximum_retry_attempts", 3)
        self.retry_delay = retry_delay
        target = spec["target"]
        self._template = target.get("input_template")
        self._paths = {m: m for m in placeholders(self._template or "") if m.startswith("$")}

    def poll(self) -> bool:
        records = self.reader.read()
        if not records:
            return False
        kept = [r for r in records if not self.filters or any(f.matches_event(r) for f in self.filters)]
        if kept:
            self._run(kept)
        return True

    def _run(self, records: list[dict]) -> None:
        started = time.perf_counter()
        for attempt in range(self.max_retries + 1):
            try:
                outputs = self._enrich(records)
                entries = [(self._detail_type(o), self._detail(o)) for o in outputs]
                event_publisher.publish(self.spec["target"]["source"], entries, bus=self.spec["target"]["bus"])
                elapsed = (time.perf_counter() - started) * 1000
                types = ", ".join(t for t, _ in entries) or "nothing"
                trace.delivery(self.name, f"bus:{self.spec['target']['bus']}", len(records), "ok", elapsed, types)
                return
            except Exception as error:
                reason = f"{type(error).__name__}: {error}"
                if attempt < self.max_retries and self.sleep(self.retry_delay * 2**attempt):
                    continue
                break
        trace.delivery(self.name, "dlq", len(records), "failed", (time.perf_counter() - started) * 1000, reason)
        if self.dlq_url:
            client("sqs").send_message(
                QueueUrl=self.dlq_url, MessageBody=json.dumps({"reason": reason, "records": records}, default=str)
            )

    def _enrich(self, records: list[dict]) -> list[dict]:
        enrichment = self.spec.get("enrichment")
        if not enrichment:
            return records
        result = self.invoker.invoke(enrichment["function"], records, self.name, len(records))
        return result if isinstance(result, list) else [result]

    def _detail(self, output: dict):
        return transform(self._paths, self._template, output) if self._template else output

    def _detail_type(self, output: dict) -> str:
        detail_type = self.spec["target"]["detail_type"]
        if detail_type.startswith("$."):
            # A dynamic path parameter: the value comes from the (enriched) payload.
            return str(transform({detail_type: detail_type}, f'"<{detail_type}>"', output))
        return detail_type
