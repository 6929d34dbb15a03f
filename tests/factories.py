"""Test data, in one place.

- factory-boy factories for rows tests build directly (alerts as rows: the scoring pipeline is
  tested through the API), with `customer_make` / `alert_make` keeping the keyword interface;
- builders for FDS input as the ingest API takes it (`tx_row`, synthetic streams) and for
  installing a trained model once per test session.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any, cast

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from alerts.features import KST
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


# --- FDS input as the ingest API takes it, and trained models -----------------------------------


def tx_row(
    external_id: str,
    *,
    customer: str = "C1",
    amount: int = 5000,
    when: datetime | None = None,
    merchant: str | None = "M1",
    category: str = "convenience",
    birth_date: str | None = "1990-05-01",
    **extra: Any,
) -> dict[str, Any]:
    when = when or datetime(2026, 11, 20, 12, 0, tzinfo=KST)
    row: dict[str, Any] = {
        "external_id": external_id,
        "customer_id": customer,
        "customer": {"birth_date": birth_date, "segment": "general"} if birth_date else None,
        "amount": amount,
        "occurred_at": when.isoformat(),
        "channel": "card_present",
    }
    if merchant:
        row["merchant_id"] = merchant
        row["merchant"] = {"name": f"가맹점 {merchant}", "category": category, "country": "KR"}
    row.update(extra)
    return {k: v for k, v in row.items() if v is not None}


def hourly(start: datetime, count: int, step: timedelta) -> list[datetime]:
    return [start + step * i for i in range(count)]


def synthetic_stream(*, customers: int = 150, per_customer: int = 30, seed: int = 1):
    """A small labelled stream where fraud is a large amount at night: enough for a model to learn."""
    import random

    from alerts import features as fx

    rng = random.Random(seed)
    events: list[fx.TxEvent] = []
    labels: list[bool] = []
    start = datetime(2026, 9, 1, tzinfo=KST)
    for c in range(customers):
        usual = rng.choice([3000, 8000, 20000, 50000])
        born = datetime(rng.randint(1950, 2008), 3, 1).date()
        for i in range(per_customer):
            fraud = i > 5 and rng.random() < 0.06
            night = rng.random() < (0.5 if fraud else 0.05)
            hour = rng.choice([1, 2, 3]) if night else rng.randint(9, 21)
            when = start + timedelta(days=i, hours=hour, minutes=rng.randint(0, 59))
            amount = usual * (rng.uniform(6, 12) if fraud else rng.uniform(0.5, 1.5))
            events.append(
                fx.TxEvent(
                    ts=fx.local_seconds(when),
                    amount=round(amount),
                    customer_key=f"S{c}",
                    merchant_key=f"M{rng.randint(0, 30)}",
                    category="online_shopping" if fraud else "convenience",
                    birth_date=born,
                )
            )
            labels.append(fraud)
    order = sorted(range(len(events)), key=lambda k: events[k].ts)
    return [events[k] for k in order], [labels[k] for k in order]


@functools.cache
def _synthetic_outcome(rounds: int):
    from alerts.training import LabelledStream, model_fit

    events, labels = synthetic_stream()
    return model_fit(LabelledStream(events, labels), label_delay_days=7, rounds=rounds, version="test-model")


def active_model_install(*, rounds: int = 40):
    """Make a small model trained on the synthetic stream (once per test run) the active model."""
    from alerts.model_versions import model_version_store

    outcome = _synthetic_outcome(rounds)
    outcome.model.threshold = 0.5
    return model_version_store(
        model=outcome.model,
        metrics=outcome.metrics,
        training_data=outcome.training_data,
        created_by="tests",
        activate=True,
    )


@functools.cache
def _simulated_outcome():
    from alerts.schemas import TransactionIn
    from alerts.simulator import Simulator
    from alerts.training import model_fit, stream_from_rows

    simulator = Simulator(3, customers=800, merchants=200, as_of=datetime(2026, 1, 1).date())
    rows = [TransactionIn.model_validate(r) for r in simulator.history(datetime(2026, 9, 1, tzinfo=KST), 35)]
    return model_fit(stream_from_rows(rows), label_delay_days=7, version="sim-model")


def simulated_model_install():
    """Make a model trained on simulated bank history (once per test run) the active model."""
    from alerts.model_versions import model_version_store

    outcome = _simulated_outcome()
    return model_version_store(
        model=outcome.model,
        metrics=outcome.metrics,
        training_data=outcome.training_data,
        created_by="tests",
        activate=True,
    )


def history_fold(prefix: str, *, customer: str, days: int, amount: int, start: datetime) -> None:
    """Give a customer a daily habit: `days` ordinary payments imported as history and folded into
    the behaviour state (never scored), as `import_transactions` does."""
    from alerts.schemas import TransactionIn
    from alerts.services import transactions_ingest, transactions_score

    rows = [
        TransactionIn.model_validate(
            tx_row(f"{prefix}-h{i}", customer=customer, amount=amount, when=start + timedelta(days=i))
        )
        for i in range(days)
    ]
    result = transactions_ingest(rows=rows, source="tests", historical=True, enqueue=False)
    transactions_score(transaction_ids=result.created_ids)


def labelled_history_ingest(
    *, customers: int = 120, days: int = 28, seed: int = 3, prefix: str = "", simulator: Any = None
) -> list[int]:
    """Simulated bank history with its fraud labels, imported as a bulk file import would (labels
    recorded as "import" labels with lineage) and folded into the behaviour state. Returns the ids."""
    from alerts.schemas import TransactionIn
    from alerts.services import transactions_ingest, transactions_score
    from alerts.simulator import Simulator

    simulator = simulator or Simulator(
        seed, customers=customers, merchants=max(40, customers // 3), as_of=datetime(2026, 1, 1).date()
    )
    rows = []
    for row in simulator.history(datetime(2026, 9, 1, tzinfo=KST), days):
        if prefix:
            row["external_id"] = prefix + row["external_id"]
        rows.append(TransactionIn.model_validate(row))
    ids: list[int] = []
    for start in range(0, len(rows), 5000):
        result = transactions_ingest(
            rows=rows[start : start + 5000],
            source="history.csv",
            historical=True,
            enqueue=False,
            accept_labels=True,
        )
        transactions_score(transaction_ids=result.created_ids)
        ids.extend(result.created_ids)
    return ids
