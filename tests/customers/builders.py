"""A customer with a history: accounts, card payments, transfers, alerts, a case and a refund."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import User

from alerts.features import KST
from alerts.models import Account, Alert, Customer, Merchant, ModelVersion, Score, Transaction
from cases.models import Case, RefundRequest

_seq = itertools.count(1)


def model_version_get() -> ModelVersion:
    version, _created = ModelVersion.objects.get_or_create(name="fds-test-v1", defaults={"artifact": b""})
    return version


@dataclass
class History:
    customer: Customer
    card: Account
    deposit: Account
    transactions: list[Transaction] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)


def merchant_get(external_id: str, name: str, category: str) -> Merchant:
    merchant, _ = Merchant.objects.get_or_create(
        external_id=external_id, defaults={"name": name, "category": category}
    )
    return merchant


def transaction_make(
    customer: Customer,
    *,
    amount: int,
    when: datetime,
    account: Account | None = None,
    merchant: Merchant | None = None,
    beneficiary_account: str = "",
    beneficiary_phone: str = "",
    external_id: str | None = None,
    score: float | None = None,
    alert_status: str | None = None,
) -> Transaction:
    n = next(_seq)
    tx = Transaction.objects.create(
        external_id=external_id or f"T-{n:06d}",
        customer=customer,
        account=account,
        merchant=merchant,
        beneficiary_account=beneficiary_account,
        beneficiary_phone=beneficiary_phone,
        channel="transfer" if beneficiary_account or beneficiary_phone else "card_present",
        amount=amount,
        occurred_at=when,
        status=Transaction.Status.SCORED,
    )
    if score is not None:
        row = Score.objects.create(
            transaction=tx,
            model_version=model_version_get(),
            score=score,
            model_score=score,
            reasons=[
                {"code": "amount_spike", "weight": 0.4, "text_ko": "평소보다 큰 금액", "text_en": "large"}
            ],
        )
        if alert_status is not None:
            Alert.objects.create(
                transaction=tx, score=row, customer=customer, status=alert_status, created_at=when
            )
    return tx


def history_make(
    *,
    external_id: str = "C-HIST",
    name: str = "김*수",
    days: int = 30,
    deposit_number: str = "110-234-567890",
) -> History:
    """A customer who buys ice cream every afternoon, tops up a game account on Fridays, sends money
    to one friend and, once, a large transfer at night that raised an alert."""
    customer = Customer.objects.create(
        external_id=external_id, display_name=name, segment="youth", birth_date=datetime(2009, 4, 2).date()
    )
    card = Account.objects.create(
        external_id=f"{external_id}-CARD",
        customer=customer,
        kind=Account.Kind.CARD,
        masked_number="9430-****-1111",
    )
    deposit = Account.objects.create(
        external_id=deposit_number,
        customer=customer,
        kind=Account.Kind.DEPOSIT,
        masked_number=deposit_number[:4] + "***-" + deposit_number[-6:],
    )
    history = History(customer, card, deposit)
    ice = merchant_get("M-ICE-1", "아이스크림 할인점 역삼점", "ice_cream_discount")
    game = merchant_get("M-GAME-1", "게임 충전소", "game")
    start = datetime(2026, 10, 1, 15, 30, tzinfo=KST)
    for day in range(days):
        when = start + timedelta(days=day)
        history.transactions.append(
            transaction_make(
                customer, amount=1500 + day * 10, when=when, account=card, merchant=ice, score=0.05
            )
        )
        if when.weekday() == 4:
            history.transactions.append(
                transaction_make(
                    customer,
                    amount=10_000,
                    when=when + timedelta(hours=4),
                    account=card,
                    merchant=game,
                    score=0.1,
                )
            )
    history.transactions.append(
        transaction_make(
            customer,
            amount=30_000,
            when=start + timedelta(days=3, hours=2),
            account=deposit,
            beneficiary_account="3333-01-2345678",
        )
    )
    night = transaction_make(
        customer,
        amount=900_000,
        when=start + timedelta(days=days - 2, hours=-14),  # 01:30 Seoul time
        account=deposit,
        beneficiary_account="352-0000-1111-22",
        external_id=f"{external_id}-NIGHT",
        score=0.97,
        alert_status=Alert.Status.ESCALATED,
    )
    history.transactions.append(night)
    history.alerts.append(night.alert)
    return history


def case_with_refund_make(history: History, *, owner: User) -> tuple[Case, RefundRequest]:
    from django.utils import timezone

    case = Case.objects.create(
        customer=history.customer,
        title="야간 고액 이체",
        opened_by=owner,
        sla_due_at=timezone.now() + timedelta(days=3),
    )
    Alert.objects.filter(pk=history.alerts[0].pk).update(case=case)
    refund = RefundRequest.objects.create(
        case=case,
        amount=900_000,
        destination_account=history.deposit,
        requested_by=owner,
        confirmed_by=owner,
    )
    return case, refund
