"""Report events: the daily report announces each day it stored."""

from __future__ import annotations

from chalicelib.events.detail import EventDetail


class DailyReportGenerated(EventDetail):
    date: str
    orders: int
