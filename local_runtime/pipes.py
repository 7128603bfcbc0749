"""EventBridge Pipes, which moto stores but never runs: stream -> filter -> enrichment -> bus."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

from chalicelib.aws import event_publisher
from chalicelib.aws.clients import client
from chalicelib.resource_names import physical_name
from local_runtime import trace
from local_runtime.eventbridge import PIPE, EventPattern, InputTransformer
from local_runtime.eventbridge.transformer import as_payload, pipe_variables
from local_runtime.invoke import Invoker
from local_runtime.lambda_events import ACCOUNT, REGION
from local_runtime.stream_reader import StreamReader
from local_runtime.worker import Worker

log = logging.getLogger("local")


class PipeDropped(Exception):
    """The target template put an object or array inside a JSON string: AWS drops such an event."""


class Pipe(Worker):
    """One pipe, configured by the topology's `pipe` entry."""

    def __init__(
        self, invoker: Invoker, spec: dict, reader: StreamReader, dlq_url: str | None, retry_delay: float = 0.2
    ) -> None:
        super().__init__(f"pipe:{spec['name']}")
        self.invoker, self.spec, self.reader, self.dlq_url = invoker, spec, reader, dlq_url
        # Validated as CreatePipe validates them (the pipe subset of operators); matching never raises.
        self.filters = [EventPattern(f, PIPE) for f in spec.get("filter") or []]
        self.max_retries = spec["source"].get("maximum_retry_attempts", 3)
        self.retry_delay = retry_delay
        target = spec["target"]
        self._template = InputTransformer.for_pipe(target["input_template"]) if target.get("input_template") else None
        detail_type = target["detail_type"]
        # A dynamic path parameter: the type comes from the (enriched) payload.
        self._detail_type = InputTransformer.for_pipe(f"<{detail_type}>") if detail_type.startswith("$.") else None
        enrichment = spec.get("enrichment")
        self._arns = {
            "pipe_arn": f"arn:aws:pipes:{REGION}:{ACCOUNT}:pipe/{physical_name(spec['name'])}",
            "source_arn": getattr(reader, "stream_arn", ""),
            "enrichment_arn": invoker.function_arn(enrichment["function"]) if enrichment else "",
            "target_arn": f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{physical_name(target['bus'])}",
        }

    def poll(self) -> bool:
        records = self.reader.read()
        if not records:
            return False
        try:
            kept = [r for r in records if not self.filters or any(f.matches(r) for f in self.filters)]
        except Exception as error:  # never expected after validation; the reader has moved on, so keep the batch
            self._dead_letter(records, f"filter failed: {type(error).__name__}: {error}", time.perf_counter())
            return True
        if kept:
            self._run(kept)
        return True

    def _run(self, records: list[dict]) -> None:
        started = time.perf_counter()
        for attempt in range(self.max_retries + 1):
            try:
                outputs = self._enrich(records)
                entries = [(self._type_of(o), self._detail(o)) for o in outputs]
                event_publisher.put(self.spec["target"]["source"], entries, bus=self.spec["target"]["bus"])
                elapsed = (time.perf_counter() - started) * 1000
                types = ", ".join(t for t, _ in entries) or "nothing"
                trace.delivery(
                    self.name, f"bus:{self.spec['target']['bus']}", len(records), "ok", elapsed, types, payload=entries
                )
                return
            except PipeDropped as error:
                reason = f"{type(error).__name__}: {error}"
                break  # no retry makes the template fit
            except Exception as error:
                reason = f"{type(error).__name__}: {error}"
                if attempt < self.max_retries and self.sleep(self.retry_delay * 2**attempt):
                    continue
                break
        self._dead_letter(records, reason, started)

    def _dead_letter(self, records: list[dict], reason: str, started: float) -> None:
        trace.delivery(
            self.name, "dlq", len(records), "failed", (time.perf_counter() - started) * 1000, reason, payload=records
        )
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

    def _variables(self, output) -> dict:
        ingested = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        return pipe_variables(output, ingested=ingested, **self._arns)

    def _detail(self, output):
        if self._template is None:
            return output
        text = self._template.render(output, self._variables(output))
        if text is None:
            raise PipeDropped("the input template puts an object or array inside a JSON string")
        return as_payload(text)

    def _type_of(self, output) -> str:
        if self._detail_type is None:
            return self.spec["target"]["detail_type"]
        return self._detail_type.render(output, {}) or ""
