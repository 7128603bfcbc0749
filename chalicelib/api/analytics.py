"""Read routes for the derived numbers: event counts per day and the daily report."""

from __future__ import annotations

from datetime import date

from chalicelib.analytics import daily_report_job, event_counts
from chalicelib.api.errors import ApiError, json_errors


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApiError(400, "VALIDATION_ERROR", f"{text!r} is not a date; use YYYY-MM-DD") from None


@json_errors
def event_counts_for(day: str) -> dict:
    parsed = _day(day)
    return {"date": parsed.isoformat(), "counts": event_counts.counts_for(parsed.isoformat())}


@json_errors
def daily_report(day: str) -> dict:
    report = daily_report_job.get(_day(day))
    if report is None:
        raise ApiError(
            404, "REPORT_NOT_FOUND", f"no daily report for {day}; reports are built at 09:00 UTC for the day before"
        )
    return report
