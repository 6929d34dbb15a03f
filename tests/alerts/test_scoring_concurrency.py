"""Scoring batches that run at once, or run again: every alert raised once, with one audit event
each, written in one INSERT per batch, and the audit chain still whole. Run with DATABASE_URL=postgres://…"""

from __future__ import annotations

from datetime import datetime

import pytest

from alerts.features import KST
from alerts.models import Alert, Transaction
from alerts.schemas import TransactionIn
from alerts.services import transactions_ingest, transactions_score
from audit.models import AuditEvent
from audit.services import audit_chain_verify
from tests.cases.test_concurrency_postgres import race
from tests.factories import active_model_install, history_fold, tx_row

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _suspicious(prefix: str, customers: int) -> list[int]:
    """One night-time online purchase at ten times the habit, per customer: each raises an alert."""
    ids = []
    for c in range(customers):
        customer = f"{prefix}-C{c}"
        history_fold(
            f"{prefix}-{c}",
            customer=customer,
            days=15,
            amount=4000,
            start=datetime(2026, 10, 20, 13, tzinfo=KST),
        )
        row = tx_row(
            f"{prefix}-T{c}",
            customer=customer,
            amount=45_000,
            merchant="M9",
            category="online_shopping",
            when=datetime(2026, 11, 12, 2, c % 60, tzinfo=KST),
        )
        ids += transactions_ingest(
            rows=[TransactionIn.model_validate(row)], source="t", enqueue=False
        ).created_ids
    return ids


def test_two_batches_at_once_and_a_retry_raise_each_alert_once_and_keep_the_chain_whole():
    active_model_install()
    first, second = _suspicious("A", 6), _suspicious("B", 6)
    # Two workers on two batches, and a third re-running the first (a redelivered task).
    results, errors = race(
        [
            lambda: transactions_score(transaction_ids=first),
            lambda: transactions_score(transaction_ids=second),
            lambda: transactions_score(transaction_ids=first),
        ]
    )
    assert errors == []
    assert sum(r.scored for r in results) == 12  # the re-run scored nothing twice
    assert Transaction.objects.filter(pk__in=first + second, status="scored").count() == 12
    alerts = list(Alert.objects.filter(transaction_id__in=first + second).values_list("pk", flat=True))
    assert len(alerts) == 12
    events = list(
        AuditEvent.objects.filter(action="alerts.alert.created")
        .order_by("pk")
        .values_list("target_id", flat=True)
    )
    assert sorted(events) == sorted(str(pk) for pk in alerts)  # one event per alert, none twice
    checked, problems = audit_chain_verify()
    assert problems == [] and checked >= 12
