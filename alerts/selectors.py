"""FDS reads for pages, the API and the live feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Avg, Count, Max, Q, QuerySet
from django.db.models.functions import ExtractHour

from alerts.features import KST
from alerts.models import Alert, Transaction


def alert_rows() -> QuerySet[Alert]:
    """Alerts with everything one queue row shows, in one query."""
    return Alert.objects.select_related(
        "transaction", "transaction__merchant", "score", "customer", "assigned_to", "case"
    )


@dataclass(frozen=True)
class AlertFilters:
    min_score: float | None = None
    max_score: float | None = None
    statuses: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    search: str = ""


def alert_queue(*, filters: AlertFilters) -> QuerySet[Alert]:
    query = alert_rows()
    if filters.min_score is not None:
        query = query.filter(score__score__gte=filters.min_score)
    if filters.max_score is not None:
        query = query.filter(score__score__lte=filters.max_score)
    if filters.statuses:
        query = query.filter(status__in=filters.statuses)
    if filters.since is not None:
        query = query.filter(created_at__gte=filters.since)
    if filters.until is not None:
        query = query.filter(created_at__lt=filters.until)
    if filters.search:
        term = filters.search.strip()
        query = query.filter(
            Q(transaction__external_id=term)
            | Q(customer__external_id=term)
            | Q(transaction__merchant__name__icontains=term)
            | Q(customer__display_name__icontains=term)
        )
    return query.order_by("-created_at", "-id")


def alerts_since(*, since: datetime, limit: int = 500) -> list[Alert]:
    """Alerts created at or after `since`, oldest first: what a reconnecting browser missed."""
    return list(alert_rows().filter(created_at__gte=since).order_by("created_at", "id")[:limit])


def alert_ids_since(*, since: datetime, until: datetime, limit: int = 5000) -> list[int]:
    """Ids of alerts created in [since, until): what a live queue compares with what it was sent."""
    query = Alert.objects.filter(created_at__gte=since, created_at__lt=until)
    return list(query.order_by("created_at", "id").values_list("id", flat=True)[:limit])


def alerts_newest(*, limit: int = 50) -> list[Alert]:
    return list(alert_rows().order_by("-created_at", "-id")[:limit])


def customer_recent_transactions(*, customer_id: int, before: datetime, limit: int = 20) -> list[Transaction]:
    return list(
        Transaction.objects.filter(customer_id=customer_id, occurred_at__lte=before)
        .select_related("merchant", "score")
        .order_by("-occurred_at", "-id")[:limit]
    )


def customer_amount_by_hour(*, customer_id: int) -> list[dict]:
    """Per local hour of day: how many transactions, their average and largest amount (aggregated)."""
    return list(
        Transaction.objects.filter(customer_id=customer_id)
        .annotate(hour=ExtractHour("occurred_at", tzinfo=KST))
        .values("hour")
        .annotate(count=Count("id"), average=Avg("amount"), largest=Max("amount"))
        .order_by("hour")
    )


def customer_summary(*, customer_id: int) -> dict:
    return Transaction.objects.filter(customer_id=customer_id).aggregate(
        count=Count("id"),
        average=Avg("amount"),
        largest=Max("amount"),
        frauds=Count("id", filter=Q(is_fraud=True)),
    )
