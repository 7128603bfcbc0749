"""AWS schedule expressions, as the local runtime fires them."""

from datetime import UTC, datetime

import pytest

from local_runtime.schedules import next_fire

MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(0 9 * * ? *)", datetime(2026, 11, 24, 9, 0, tzinfo=UTC)),
        ("rate(5 minutes)", datetime(2026, 11, 23, 12, 5, tzinfo=UTC)),
        ("rate(1 day)", datetime(2026, 11, 24, 12, 0, tzinfo=UTC)),
        # AWS counts weekdays 1-7 from Sunday: 2 is Monday, so the next one is a week away.
        ("cron(0 12 ? * 2 *)", datetime(2026, 11, 30, 12, 0, tzinfo=UTC)),
        ("cron(0 8 ? * MON-FRI *)", datetime(2026, 11, 24, 8, 0, tzinfo=UTC)),
        # The first Tuesday of the month: "#1" is an ordinal, not a weekday to shift.
        ("cron(0 9 ? * 3#1 *)", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
    ],
)
def test_next_fire(expression, expected):
    assert next_fire(expression, MONDAY_NOON) == expected


def test_a_malformed_expression_is_refused():
    with pytest.raises(ValueError, match="6 fields"):
        next_fire("cron(0 9 * * ?)", MONDAY_NOON)
