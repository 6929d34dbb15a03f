"""Test data for cases: alerts built directly as rows (the scoring pipeline is tested elsewhere)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from django.utils import timezone

from alerts.models import Account, Alert, Customer, Merchant, ModelVersion, Score, Transaction

_seq = itertools.count(1)


def model_version() -> ModelVersion:
    version, _ = ModelVersion.objects.get_or_create(name="fds-test-v1", defaults={"artifact": b""})
    return version


def customer_make(*, with_account: bool = True) -> Customer:
    n = next(_seq)
    customer = Customer.objects.create(external_id=f"CUST-{n}", display_name=f"김*{n}")
    if with_account:
        Account.objects.create(
            external_id=f"ACC-{n}",
            customer=customer,
            kind=Account.Kind.DEPOSIT,
            masked_number=f"110-***-{n:04d}",
        )
    return customer


def alert_make(
    *,
    customer: Customer | None = None,
    amount: int = 250_000,
    score: float = 0.93,
    status: str = Alert.Status.NEW,
    parent: Alert | None = None,
    created_at: datetime | None = None,
) -> Alert:
    """A scored transaction and its alert (and a customer with an account unless one is given)."""
    n = next(_seq)
    customer = customer or customer_make()
    merchant, _ = Merchant.objects.get_or_create(external_id="M-ICE", defaults={"name": "아이스크림 할인점"})
    when = created_at or timezone.now() - timedelta(minutes=5)
    tx = Transaction.objects.create(
        external_id=f"TX-{n}",
        customer=customer,
        account=customer.accounts.first(),
        merchant=merchant,
        amount=amount,
        occurred_at=when,
        status=Transaction.Status.SCORED,
    )
    row = Score.objects.create(transaction=tx, model_version=model_version(), score=score, model_score=score)
    return Alert.objects.create(
        transaction=tx, score=row, customer=customer, status=status, parent=parent, created_at=when
    )
