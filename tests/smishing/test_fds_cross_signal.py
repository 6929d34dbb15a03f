"""A transfer to an account or phone named in smishing reports carries that reason in the FDS."""

from __future__ import annotations

from datetime import datetime

import pytest

from alerts.features import KST
from alerts.models import Alert, Score
from alerts.schemas import TransactionIn
from alerts.services import transactions_ingest, transactions_score
from tests.factories import active_model_install, history_fold, tx_row

pytestmark = pytest.mark.django_db

SCAM = "[KB국민은행] 고객님 계좌가 범죄에 연루되었습니다. 안전계좌 국민 110-123-456789 로 즉시 이체 바랍니다 http://kb-safe.xyz"


def _transfer(external_id: str, account: str, *, customer: str = "VICTIM") -> int:
    history_fold(
        external_id, customer=customer, days=10, amount=30_000, start=datetime(2026, 10, 25, 12, tzinfo=KST)
    )
    row = tx_row(
        external_id,
        customer=customer,
        amount=30_000,
        merchant=None,
        channel="transfer",
        beneficiary_account=account,
        when=datetime(2026, 11, 6, 12, 30, tzinfo=KST),
    )
    [tx_id] = transactions_ingest(
        rows=[TransactionIn.model_validate(row)], source="t", enqueue=False
    ).created_ids
    transactions_score(transaction_ids=[tx_id])
    return tx_id


def test_a_transfer_to_a_reported_account_alerts_with_the_smishing_reason(fake_model, submit, employee):
    active_model_install()
    submit(employee, SCAM, consent=True)
    tx_id = _transfer("PAY-MULE", "110-123-456789")
    alert = Alert.objects.select_related("score").get(transaction_id=tx_id)
    assert alert.score.score >= 0.95  # the rule's floor: this evidence alerts whatever the model says
    reasons = {r["code"]: r for r in alert.score.reasons}
    assert "smishing_reported_beneficiary" in reasons
    assert "1건" in reasons["smishing_reported_beneficiary"]["text_ko"]
    assert "110123456789" in reasons["smishing_reported_beneficiary"]["text_ko"]


def test_the_same_transfer_to_an_unreported_account_has_no_such_reason(fake_model, submit, employee):
    active_model_install()
    submit(employee, SCAM, consent=True)
    tx_id = _transfer("PAY-OTHER", "333-444-555666", customer="SOMEONE")
    score = Score.objects.get(transaction_id=tx_id)
    assert "smishing_reported_beneficiary" not in score.rule_hits
