"""Schedules (rate and cron expressions), which moto stores but never fires."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from croniter import croniter

from local_runtime.invoke import FunctionError, Invoker
from local_runtime.lambda_events import scheduled_event
from local_runtime.worker import Worker

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")


def next_fire(expression: str, after: datetime) -> datetime:
    """When ``expression`` fires next after ``after`` (UTC)."""
    rate = _RATE.match(expression)
    if rate:
        unit = rate.group(2).rstrip("s")
        return after + timedelta(**{f"{unit}s": int(rate.group(1))})
    cron = _CRON.match(expression)
    if not cron:
        raise ValueError(f"not a schedule expression: {expression!r}")
    fields = cron.group(1).split()
    if len(fields) != 6:
        raise ValueError(f"AWS cron takes 6 fields (min hour dom month dow year): {expression!r}")
    minute, hour, dom, month, dow, _year = fields
    # AWS numbers weekdays 1-7 from Sunday; cron 0-6. '?' means "any" in AWS.
    # Only weekday numbers shift: the n of "weekday#n" (nth weekday of the month) does not.
    dow = re.sub(r"(?<![#\d])\d+", lambda m: str(int(m.group()) - 1), dow) if dow != "?" else "*"
    dom = "*" if dom == "?" else dom
    return croniter(f"{minute} {hour} {dom} {month} {dow}", after).get_next(datetime)


class Schedule(Worker):
    def __init__(self, invoker: Invoker, function: str, expression: str, rule_arn: str) -> None:
        super().__init__(f"schedule:{function}")
        self.invoker, self.function, self.expression, self.rule_arn = invoker, function, expression, rule_arn
        # Every time the expression matched up to here has been fired (or was before we watched).
        self.fired_through = datetime.now(UTC)
        self.next_at = next_fire(expression, self.fired_through)

    def position(self) -> dict:
        return {"firedThrough": self.fired_through.isoformat()}

    def resume(self, position: dict) -> None:
        """Continue where the last run left off: a time missed while down fires once, at start."""
        if position.get("firedThrough"):
            self.fired_through = datetime.fromisoformat(position["firedThrough"])
            self.next_at = next_fire(self.expression, self.fired_through)

    def poll(self) -> bool:
        now = datetime.now(UTC)
        if now < self.next_at:
            self.sleep(min(1.0, (self.next_at - now).total_seconds()))
            return True
        self.fire(self.next_at)
        self.fired_through = max(self.next_at, now)
        # From now, not from the missed time: a stack down for days catches up once, not per day.
        self.next_at = next_fire(self.expression, max(self.next_at, now))
        return True

    def fire(self, at: datetime | None = None):
        try:
            return self._invoke(at)
        except FunctionError:
            return None  # traced; a scheduled invocation is not retried here

    def fire_now(self) -> dict:
        """Fire once now, outside the schedule (the console's button): the result, or the error."""
        try:
            return {"ok": True, "result": self._invoke(None)}
        except FunctionError as error:
            return {"ok": False, "error": str(error)}

    def _invoke(self, at: datetime | None):
        return self.invoker.invoke(self.function, scheduled_event(self.rule_arn, at), f"schedule:{self.expression}")
