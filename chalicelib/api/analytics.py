"""Read routes for the derived numbers: event counts per day and the daily report."""

from __future__ import annotations

from datetime import date

from chalicelib.analytics import daily_report_job, event_counts
from chalicelib.api.errors import ApiError
from chalicelib.api.operations import Answer, Operation, operation
from chalicelib.api.responses import DailyReport, EventCounts

TAG = "analytics"
DAY = {"day": {"type": "string", "format": "date", "description": "A UTC day, YYYY-MM-DD."}}
BAD_DAY = {400: ("VALIDATION_ERROR",)}


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApiError(400, "VALIDATION_ERROR", f"{text!r} is not a date; use YYYY-MM-DD") from None


@operation(
    Operation(
        "GET",
        "/analytics/events/{day}",
        "getEventCounts",
        "Events counted on a UTC day, by detail-type.",
        TAG,
        answers={200: EventCounts},
        errors=BAD_DAY,
        path_params=DAY,
    )
)
def event_counts_for(day: str) -> Answer:
    parsed = _day(day)
    return Answer(200, EventCounts(date=parsed, counts=event_counts.counts_for(parsed.isoformat())))


@operation(
    Operation(
        "GET",
        "/reports/daily/{day}",
        "getDailyReport",
        "The daily report of a UTC day (built at 09:00 UTC the day after).",
        TAG,
        answers={200: DailyReport},
        errors={**BAD_DAY, 404: ("REPORT_NOT_FOUND",)},
        path_params=DAY,
    )
)
def daily_report(day: str) -> Answer:
    report = daily_report_job.get(_day(day))
    if report is None:
        raise ApiError(
            404, "REPORT_NOT_FOUND", f"no daily report for {day}; reports are built at 09:00 UTC for the day before"
        )
    return Answer(200, DailyReport.model_validate(report))
