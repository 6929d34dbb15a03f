"""FDS reads for pages, the API and the live feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, Max, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour, TruncDate

from alerts.features import KST
from alerts.models import Account, Alert, Customer, Merchant, Transaction


def alert_rows() -> QuerySet[Alert]:
    """Alerts with everything one queue row shows: one joined query and two small lookups.

    The analyst and the case come by prefetch, not by join: PostgreSQL's planning time grows
    steeply with the number of joined tables (measured at 1M transactions: 1.6 ms to plan the
    five-table query, 22 ms with seven, for a page that runs in 2 ms).
    """
    return Alert.objects.select_related(
        "transaction", "transaction__merchant", "score", "customer"
    ).prefetch_related("assigned_to", "case")


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
        # Each branch is a subquery on the alert's own columns, not a condition on a joined table:
        # an OR across joins makes PostgreSQL join every alert before filtering (seconds at 1M rows).
        customers = Customer.objects.filter(Q(external_id=term) | Q(display_name__icontains=term))
        merchants = Merchant.objects.filter(name__icontains=term)
        query = query.filter(
            Q(transaction_id__in=Transaction.objects.filter(external_id=term).values("id"))
            | Q(customer_id__in=customers.values("id"))
            | Q(
                transaction_id__in=Transaction.objects.filter(merchant_id__in=merchants.values("id")).values(
                    "id"
                )
            )
        )
    return query.order_by("-created_at", "-id")


def alerts_since(*, since: datetime, limit: int = 500) -> list[Alert]:
    """Alerts created at or after `since`, oldest first: what a reconnecting browser missed."""
    return list(alert_rows().filter(created_at__gte=since).order_by("created_at", "id")[:limit])


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
        .annotate(count=Count("*"), average=Avg("amount"), largest=Max("amount"))
        .order_by("hour")
    )


def customer_summary(*, customer_id: int) -> dict:
    return Transaction.objects.filter(customer_id=customer_id).aggregate(
        count=Count("*"),
        average=Avg("amount"),
        largest=Max("amount"),
        frauds=Count("amount", filter=Q(is_fraud=True)),
    )


# --- Transaction search and the customer page ----------------------------------------------------------


@dataclass(frozen=True)
class TransactionFilters:
    """What the transaction search (and a customer page's transaction list) narrows by.

    Identifiers match exactly (they are keys people copy from other systems); `merchant` matches a
    merchant's external id exactly or a part of its name. Times are aware datetimes, `until` exclusive.
    """

    external_id: str = ""
    customer_id: int | None = None
    customer_external_id: str = ""
    account_external_id: str = ""
    merchant: str = ""
    min_amount: int | None = None
    max_amount: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def is_empty(self) -> bool:
        return self == TransactionFilters(customer_id=self.customer_id)


@dataclass(frozen=True)
class TransactionCursor:
    """A position in the newest-first order (occurred_at, id): pages continue from a row, not an offset,
    so page 1,000 costs what page 1 costs and rows arriving meanwhile never shift a page."""

    occurred_at: datetime
    id: int


@dataclass(frozen=True)
class TransactionPage:
    rows: list[Transaction]
    older: TransactionCursor | None  # continue with older rows from here; None on the last page
    newer: TransactionCursor | None  # go back towards newer rows from here; None on the first page


def _transactions_filtered(filters: TransactionFilters) -> QuerySet[Transaction]:
    query = Transaction.objects.all()
    if filters.external_id:
        query = query.filter(external_id=filters.external_id)
    if filters.customer_id is not None:
        query = query.filter(customer_id=filters.customer_id)
    if filters.customer_external_id:
        query = query.filter(customer__external_id=filters.customer_external_id)
    if filters.account_external_id:
        query = query.filter(account__external_id=filters.account_external_id)
    if filters.merchant:
        # A subquery, not a join: the planner can then walk the time index and probe a small hash.
        merchants = Merchant.objects.filter(
            Q(external_id=filters.merchant) | Q(name__icontains=filters.merchant)
        ).values("id")
        query = query.filter(merchant_id__in=merchants)
    if filters.min_amount is not None:
        query = query.filter(amount__gte=filters.min_amount)
    if filters.max_amount is not None:
        query = query.filter(amount__lte=filters.max_amount)
    if filters.since is not None:
        query = query.filter(occurred_at__gte=filters.since)
    if filters.until is not None:
        query = query.filter(occurred_at__lt=filters.until)
    return query


def transactions_search(
    *,
    filters: TransactionFilters,
    older_than: TransactionCursor | None = None,
    newer_than: TransactionCursor | None = None,
    limit: int = 50,
) -> TransactionPage:
    """One page of matching transactions, newest first, with cursors to the neighbouring pages.

    Keyset pagination: never an OFFSET and never a COUNT(*), so every page of a million rows costs
    one index range scan of `limit + 1` rows. Read only.
    """
    # Score and alert by prefetch: two more joins would cost more planning time than the page takes.
    base = (
        _transactions_filtered(filters)
        .select_related("customer", "account", "merchant")
        .prefetch_related("score", "alert")
    )
    if newer_than is not None:
        # The redundant `occurred_at >= t` lets PostgreSQL bound the index scan; the OR alone hides it.
        rows = list(
            base.filter(occurred_at__gte=newer_than.occurred_at)
            .filter(
                Q(occurred_at__gt=newer_than.occurred_at)
                | Q(occurred_at=newer_than.occurred_at, id__gt=newer_than.id)
            )
            .order_by("occurred_at", "id")[: limit + 1]
        )
        has_newer = len(rows) > limit
        rows = rows[:limit][::-1]
        has_older = True
    else:
        if older_than is not None:
            base = base.filter(occurred_at__lte=older_than.occurred_at).filter(
                Q(occurred_at__lt=older_than.occurred_at)
                | Q(occurred_at=older_than.occurred_at, id__lt=older_than.id)
            )
        rows = list(base.order_by("-occurred_at", "-id")[: limit + 1])
        has_older = len(rows) > limit
        rows = rows[:limit]
        has_newer = older_than is not None
    return TransactionPage(
        rows=rows,
        older=TransactionCursor(rows[-1].occurred_at, rows[-1].pk) if rows and has_older else None,
        newer=TransactionCursor(rows[0].occurred_at, rows[0].pk) if rows and has_newer else None,
    )


def customer_profile(*, customer_id: int) -> Customer | None:
    return Customer.objects.filter(pk=customer_id).first()


def customer_accounts(*, customer_id: int) -> list[Account]:
    return list(Account.objects.filter(customer_id=customer_id).order_by("kind", "id"))


# The customer page's aggregates count rows with COUNT(*), never COUNT(id): the covering index on
# (customer, occurred_at) holds every other column they read but not the id, and one column outside
# it turns an index-only scan into a heap read per transaction.


def customer_amounts_by_day(*, filters: TransactionFilters) -> list[dict[str, Any]]:
    """Per Seoul calendar day: number, sum and largest amount of the matching transactions, and how
    many are confirmed frauds (aggregate rows only; `transaction_totals` sums them up)."""
    return list(
        _transactions_filtered(filters)
        .annotate(day=TruncDate("occurred_at", tzinfo=KST))
        .values("day")
        .annotate(
            count=Count("*"),
            total=Sum("amount"),
            largest=Max("amount"),
            frauds=Count("amount", filter=Q(is_fraud=True)),
        )
        .order_by("day")
    )


def transaction_totals(days: list[dict[str, Any]]) -> dict[str, Any]:
    """Count, sum, average, largest, first and last day, confirmed frauds, from the daily rows of
    `customer_amounts_by_day`: the same figures as one more aggregate query, without running it."""
    count = sum(row["count"] for row in days)
    total = sum(int(row["total"] or 0) for row in days)
    return {
        "count": count,
        "total": total if days else None,
        "average": total / count if count else None,
        "largest": max((row["largest"] for row in days), default=None),
        "first": days[0]["day"] if days else None,
        "last": days[-1]["day"] if days else None,
        "frauds": sum(row["frauds"] for row in days),
    }


def customer_amounts_by_category(*, filters: TransactionFilters) -> list[dict[str, Any]]:
    """Per merchant category (transfers without a merchant count as their channel): count and sum."""
    return list(
        _transactions_filtered(filters)
        .values("merchant__category", "channel")
        .annotate(count=Count("*"), total=Sum("amount"))
        .order_by("-total")
    )


def customer_amounts_by_hour(*, filters: TransactionFilters) -> list[dict[str, Any]]:
    """Per Seoul hour of day: count, average and largest amount."""
    return list(
        _transactions_filtered(filters)
        .annotate(hour=ExtractHour("occurred_at", tzinfo=KST))
        .values("hour")
        .annotate(count=Count("*"), average=Avg("amount"), largest=Max("amount"))
        .order_by("hour")
    )


def customer_alerted_points(*, filters: TransactionFilters, limit: int = 200) -> list[dict[str, Any]]:
    """(time, amount, alert id, status) of the alerted transactions among the matching ones, newest
    first: the markers on the customer page's time chart."""
    query = Alert.objects.all()
    if filters.customer_id is not None:
        query = query.filter(customer_id=filters.customer_id)
    if not filters.is_empty():
        query = query.filter(transaction_id__in=_transactions_filtered(filters).values("id"))
    rows = query.order_by("-created_at", "-id").values(
        "id", "status", "transaction__occurred_at", "transaction__amount"
    )[:limit]
    return [dict(row) for row in rows]


def customer_alerts(*, customer_id: int, limit: int = 20) -> list[Alert]:
    # Only what the customer page's alert table shows: the transaction and the score.
    return list(
        Alert.objects.filter(customer_id=customer_id)
        .select_related("transaction", "score")
        .order_by("-created_at", "-id")[:limit]
    )


def customer_alert_counts(*, customer_id: int) -> dict[str, int]:
    rows = Alert.objects.filter(customer_id=customer_id).values("status").annotate(n=Count("*"))
    return {row["status"]: row["n"] for row in rows}


def customer_merchants_paid(*, customer_id: int, limit: int = 15) -> list[dict[str, Any]]:
    """The merchants the customer pays most, by total: count, total, last payment."""
    return list(
        Transaction.objects.filter(customer_id=customer_id, merchant__isnull=False)
        .values("merchant_id", "merchant__external_id", "merchant__name", "merchant__category")
        .annotate(count=Count("*"), total=Sum("amount"), last=Max("occurred_at"))
        .order_by("-total", "merchant_id")[:limit]
    )


def customer_beneficiaries_paid(*, customer_id: int, limit: int = 15) -> list[dict[str, Any]]:
    """The accounts and phone numbers the customer transfers to, by total: count, total, last transfer."""
    return list(
        Transaction.objects.filter(customer_id=customer_id)
        .exclude(beneficiary_account="", beneficiary_phone="")
        .values("beneficiary_account", "beneficiary_phone")
        .annotate(count=Count("*"), total=Sum("amount"), last=Max("occurred_at"))
        .order_by("-total", "beneficiary_account", "beneficiary_phone")[:limit]
    )
