"""Reading the audit trail: search, per-object timelines and export rows. Nothing here writes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import models
from django.utils import timezone

from audit.models import AuditEvent


def audit_events_for(target: models.Model) -> models.QuerySet[AuditEvent]:
    """Every event recorded about one object, oldest first."""
    return audit_events_for_object(target_type=target._meta.label_lower, target_id=str(target.pk))


def audit_events_for_object(*, target_type: str, target_id: str) -> models.QuerySet[AuditEvent]:
    """Every event recorded about the object `target_type` (app.model) `target_id`, oldest first."""
    return AuditEvent.objects.filter(target_type=target_type, target_id=target_id).order_by("id")


def _day_start(day: date) -> datetime:
    # Dates typed by a reviewer are days in the portal's time zone (Asia/Seoul), not UTC days.
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events_search(
    *,
    actor: str = "",
    action_prefix: str = "",
    target_type: str = "",
    target_id: str = "",
    occurred_from: date | None = None,
    occurred_to: date | None = None,
    reason_contains: str = "",
) -> models.QuerySet[AuditEvent]:
    """Events matching every given filter, newest first. Empty filters match everything.

    `actor` is the username (or system:<component>) as recorded at the time, compared without case;
    `action_prefix` matches dotted codes from the start (`cases.refund` finds every refund event);
    the date range is inclusive, in local days.
    """
    events = AuditEvent.objects.all()
    if actor:
        events = events.filter(actor_label__iexact=actor)
    if action_prefix:
        events = events.filter(action__startswith=action_prefix)
    if target_type:
        events = events.filter(target_type=target_type)
    if target_id:
        events = events.filter(target_id=target_id)
    if occurred_from:
        events = events.filter(occurred_at__gte=_day_start(occurred_from))
    if occurred_to:
        events = events.filter(occurred_at__lt=_day_start(occurred_to + timedelta(days=1)))
    if reason_contains:
        events = events.filter(reason__icontains=reason_contains)
    return events.order_by("-id")


def audit_events_after(
    *, events: models.QuerySet[AuditEvent], after_id: int, limit: int = 2000
) -> list[AuditEvent]:
    """The next `limit` events of a search with an id above `after_id`, oldest first.

    Exports read page by page on the id (keyset) instead of holding one cursor open, so an export of
    millions of rows keeps no long transaction and little memory.
    """
    return list(events.order_by("id").filter(id__gt=after_id)[:limit])
