"""Test data, in one place: factory-boy factories for the rows tests build directly.

Alerts here are built as rows (the scoring pipeline is tested through the API elsewhere); the
helpers below keep the keyword interface the tests call.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from alerts.models import Account, Alert, Customer, Merchant, ModelVersion, Score, Transaction


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer

    external_id = factory.Sequence(lambda n: f"CUST-{n}")
    display_name = factory.Sequence(lambda n: f"김*{n}")


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = Account

    external_id = factory.Sequence(lambda n: f"ACC-{n}")
    customer = factory.SubFactory(CustomerFactory)
    kind = Account.Kind.DEPOSIT
    masked_number = factory.Sequence(lambda n: f"110-***-{n:04d}")


class MerchantFactory(DjangoModelFactory):
    class Meta:
        model = Merchant
        django_get_or_create = ("external_id",)

    external_id = "M-ICE"
    name = "아이스크림 할인점"


class ModelVersionFactory(DjangoModelFactory):
    class Meta:
        model = ModelVersion
        django_get_or_create = ("name",)

    name = "fds-test-v1"
    artifact = b""


class TransactionFactory(DjangoModelFactory):
    class Meta:
        model = Transaction

    external_id = factory.Sequence(lambda n: f"TX-{n}")
    customer = factory.SubFactory(CustomerFactory)
    account = factory.LazyAttribute(lambda o: o.customer.accounts.first())
    merchant = factory.SubFactory(MerchantFactory)
    amount = 250_000
    occurred_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=5))
    status = Transaction.Status.SCORED


class ScoreFactory(DjangoModelFactory):
    class Meta:
        model = Score

    transaction = factory.SubFactory(TransactionFactory)
    model_version = factory.SubFactory(ModelVersionFactory)
    score = 0.93
    model_score = factory.SelfAttribute("score")


class AlertFactory(DjangoModelFactory):
    """A scored transaction and its alert, all for one customer."""

    class Meta:
        model = Alert

    customer = factory.SubFactory(CustomerFactory)
    created_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=5))
    transaction = factory.SubFactory(
        TransactionFactory,
        customer=factory.SelfAttribute("..customer"),
        occurred_at=factory.SelfAttribute("..created_at"),
    )
    score = factory.SubFactory(ScoreFactory, transaction=factory.SelfAttribute("..transaction"))
    status = Alert.Status.NEW


def customer_make(*, with_account: bool = True) -> Customer:
    """A customer, with a deposit account unless `with_account` is False."""
    customer = cast(Customer, CustomerFactory())
    if with_account:
        AccountFactory(customer=customer)
    return customer


def alert_make(
    *,
    customer: Customer | None = None,
    amount: int = 250_000,
    score: float = 0.93,
    status: str = Alert.Status.NEW,
    parent: Alert | None = None,
    created_at: datetime | None = None,
    decided_at: datetime | None = None,
    is_fraud: bool | None = None,
    reasons: tuple[str, ...] = (),
    transaction_external_id: str | None = None,
) -> Alert:
    """A scored transaction and its alert (and a customer with an account unless one is given)."""
    extra: dict[str, Any] = {}
    if created_at is not None:
        extra["created_at"] = created_at
    if transaction_external_id is not None:
        extra["transaction__external_id"] = transaction_external_id
    alert = cast(
        Alert,
        AlertFactory(
            customer=customer or customer_make(),
            transaction__amount=amount,
            transaction__is_fraud=is_fraud,
            score__score=score,
            score__reasons=[
                {"code": code, "weight": 0.5, "text_ko": "사유", "text_en": "reason"} for code in reasons
            ],
            status=status,
            parent=parent,
            decided_at=decided_at,
            **extra,
        ),
    )
    return alert
