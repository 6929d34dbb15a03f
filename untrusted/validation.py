"""Plausible values for every date, time and id the portal accepts from outside.

A year-1 timestamp is valid ISO 8601 and PostgreSQL stores it, but psycopg cannot read it back in
the local time zone, and date arithmetic on 9999-12-31 overflows: each became a 500, and one such
transaction failed its scoring batch for ever. Inputs are therefore held to windows that real data
lives in, with one clear message, before anything is stored or queried.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Primary keys are PostgreSQL bigints: a larger id in a query string overflowed the query (a 500).
MAX_DB_ID = 2**63 - 1


def id_from_query(raw: str | None) -> int | None:
    """A positive database id from a query-string value, or None for anything else.

    `str.isdigit` accepts "²" and other digits `int` refuses, and any length; this does not.
    """
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_DB_ID else None


# Nothing the bank processes predates this (card transactions, audit events, search filters).
EARLIEST_EVENT_DATE = date(1990, 1, 1)
# The oldest plausible customer.
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
# Search filters may look a little ahead (a date picker's "today" in another zone), never further.
SEARCH_LOOKAHEAD = timedelta(days=366)


def clock_skew() -> timedelta:
    """How far in the future a reported event time may lie (client clocks drift)."""
    return timedelta(seconds=int(getattr(settings, "FDS_MAX_CLOCK_SKEW_SECONDS", 300)))


def event_time_problem(value: datetime, *, now: datetime | None = None) -> str | None:
    """Why `value` (aware) is not a plausible time for something that has happened, or None."""
    now = now or timezone.now()
    if value.date() < EARLIEST_EVENT_DATE:
        return _("must not be before %(date)s") % {"date": EARLIEST_EVENT_DATE.isoformat()}
    if value > now + clock_skew():
        return _("must not be more than %(seconds)d seconds in the future") % {
            "seconds": int(clock_skew().total_seconds())
        }
    return None


def birth_date_problem(value: date, *, today: date | None = None) -> str | None:
    today = today or timezone.localdate()
    if value < EARLIEST_BIRTH_DATE:
        return _("must not be before %(date)s") % {"date": EARLIEST_BIRTH_DATE.isoformat()}
    if value > today:
        return _("must not be in the future")
    return None


def search_date_problem(value: date, *, today: date | None = None) -> str | None:
    today = today or timezone.localdate()
    latest = today + SEARCH_LOOKAHEAD
    if not EARLIEST_EVENT_DATE <= value <= latest:
        return _("must lie between %(earliest)s and %(latest)s") % {
            "earliest": EARLIEST_EVENT_DATE.isoformat(),
            "latest": latest.isoformat(),
        }
    return None


class SearchDateField(forms.DateField):
    """A filter date within the searchable window."""

    default_error_messages = {"implausible": gettext_lazy("The date %(problem)s.")}

    def validate(self, value: date | None) -> None:
        super().validate(value)
        if value is not None and (problem := search_date_problem(value)):
            raise forms.ValidationError(
                self.error_messages["implausible"], "implausible", {"problem": problem}
            )


class SearchDateTimeField(forms.DateTimeField):
    """A filter date and time within the searchable window."""

    default_error_messages = {"implausible": gettext_lazy("The time %(problem)s.")}

    def validate(self, value: datetime | None) -> None:
        super().validate(value)
        if value is not None and (problem := search_date_problem(value.date())):
            raise forms.ValidationError(
                self.error_messages["implausible"], "implausible", {"problem": problem}
            )
