"""Runs the daily report on schedule and serves stored reports."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from aws_lambda_powertools import Logger

from chalicelib.analytics.daily_report import report_day, summarize
from chalicelib.aws import event_publisher, read_models_table
from chalicelib.events import catalog
from chalicelib.events.reports import DailyReportGenerated
from chalicelib.orders.repository import OrdersRepository
from chalicelib.timestamps import iso

logger = Logger(service="daily-report")
PK = "report#daily"


def run(fired_at: datetime, correlation_id: str) -> dict:
    """Build, store and announce the report for the day before ``fired_at``."""
    day = report_day(fired_at)
    start = datetime.combine(day, time.min, tzinfo=UTC)
    orders = OrdersRepository().created_between(iso(start), iso(start + timedelta(days=1)))
    report = {**summarize(day, orders), "generatedAt": iso(datetime.now(UTC))}
    read_models_table.put(PK, report["date"], report)
    announced = catalog.new(
        DailyReportGenerated,
        eventId=f"DailyReportGenerated:{report['date']}",  # a re-run for the same day is the same event
        correlationId=correlation_id,
        occurredAt=report["generatedAt"],
        date=report["date"],
        orders=report["orders"],
    )
    event_publisher.publish([announced])
    logger.info("daily report", extra=report)
    return report


def get(day: date) -> dict | None:
    stored = read_models_table.get(PK, day.isoformat())
    if stored is not None:
        stored["orders"] = int(stored["orders"])
        for bucket in stored["byStatus"].values():
            bucket["count"] = int(bucket["count"])
    return stored


def handle(event: dict, context) -> dict:
    """Scheduled event in; the report for the day before the event's time out."""
    fired_at = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    # A schedule run has no request: the scheduled event's id correlates what it causes.
    logger.set_correlation_id(event["id"])
    return run(fired_at, event["id"])
