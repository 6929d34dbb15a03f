"""Builders for detection tests: score a transaction through the real pipeline, publish a rule set."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User

from alerts.features import KST
from alerts.models import Score
from alerts.schemas import TransactionIn
from alerts.services import transactions_ingest, transactions_score
from detection import services
from detection.models import Backtest
from fdsportal import roles
from tests.factories import history_fold, tx_row

WHEN = datetime(2026, 11, 6, 12, 30, tzinfo=KST)


def score_one(external_id: str, *, customer: str = "C1", history: bool = True, **row: Any) -> Score:
    """Ingest one transaction (after ten days of ordinary history) and score it; its Score."""
    if history:
        history_fold(
            f"{external_id}-hist",
            customer=customer,
            days=10,
            amount=30_000,
            start=datetime(2026, 10, 25, 12, tzinfo=KST),
        )
    row.setdefault("when", WHEN)
    [tx_id] = transactions_ingest(
        rows=[TransactionIn.model_validate(tx_row(external_id, customer=customer, **row))],
        source="t",
        enqueue=False,
    ).created_ids
    transactions_score(transaction_ids=[tx_id])
    return Score.objects.select_related("transaction").get(transaction_id=tx_id)


def transfer_row(account: str = "", phone: str = "", amount: int = 30_000) -> dict[str, Any]:
    row: dict[str, Any] = {"amount": amount, "merchant": None, "channel": "transfer"}
    if account:
        row["beneficiary_account"] = account
    if phone:
        row["beneficiary_phone"] = phone
    return row


@pytest.fixture
def seniors(make_user: Callable[..., User]) -> tuple[User, User]:
    return make_user(roles.SENIOR_ANALYST, "maker"), make_user(roles.SENIOR_ANALYST, "checker")


def rule_data(code: str, condition: str, **extra: Any) -> services.RuleData:
    values: dict[str, Any] = {
        "effect": "floor",
        "value": 0.99,
        "reason_ko": f"{code} 규칙: 금액 {{amount:,.0f}}원",
        "reason_en": f"rule {code}: KRW {{amount:,.0f}}",
    }
    values.update(extra)
    return services.RuleData(code=code, condition=condition, **values)


def draft_publish(maker: User, checker: User, *rules: services.RuleData, days: int = 30) -> int:
    """Add `rules` to the draft, backtest it, request publication and approve; the new version number."""
    for data in rules:
        services.rule_save(user=maker, data=data)
    backtest = services.backtest_start(user=maker, days=days)
    services.backtest_run(backtest_id=backtest.pk)
    assert Backtest.objects.get(pk=backtest.pk).status == Backtest.Status.DONE
    change = services.publish_request(user=maker, backtest_id=backtest.pk)
    services.change_approve(user=checker, change_id=change.pk)
    return int(change.payload["version"])
