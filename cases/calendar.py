"""The Korean business-day calendar behind every case SLA."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

SEOUL = ZoneInfo("Asia/Seoul")


# --- SLA -----------------------------------------------------------------------------------------

# Korean public holidays (fixed list; lunar ones resolved per year). Extend yearly, or replace with
# the bank's own calendar service.
KOREAN_HOLIDAYS: frozenset[date] = frozenset(
    date.fromisoformat(day)
    for day in """
    2025-01-01 2025-01-28 2025-01-29 2025-01-30 2025-03-01 2025-03-03 2025-05-05 2025-05-06 2025-06-03
    2025-06-06 2025-08-15 2025-10-03 2025-10-06 2025-10-07 2025-10-08 2025-10-09 2025-12-25 2026-01-01
    2026-02-16 2026-02-17 2026-02-18 2026-03-01 2026-03-02 2026-05-05 2026-05-24 2026-05-25 2026-06-03
    2026-06-06 2026-08-15 2026-08-17 2026-09-24 2026-09-25 2026-09-26 2026-10-03 2026-10-05 2026-10-09
    2026-12-25 2027-01-01 2027-02-06 2027-02-07 2027-02-08 2027-02-09 2027-03-01 2027-05-05 2027-05-13
    2027-06-06 2027-08-15 2027-08-16 2027-09-14 2027-09-15 2027-09-16 2027-10-03 2027-10-04 2027-10-09
    2027-10-11 2027-12-25 2027-12-27
""".split()  # noqa: SIM905 - a calendar reads better as a block
)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in KOREAN_HOLIDAYS


def sla_deadline(*, reported_at: datetime, business_days: int | None = None) -> datetime:
    """`business_days` Korean business days after the report, at the same Seoul wall-clock time."""
    days = business_days if business_days is not None else settings.FDS_REFUND_SLA_BUSINESS_DAYS
    local = reported_at.astimezone(SEOUL)
    day = local.date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_business_day(day):
            counted += 1
    return datetime.combine(day, local.timetz()).astimezone(SEOUL)
