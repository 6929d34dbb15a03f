"""Scoring: batches, idempotency, reasons, attaching, late labels."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from alerts.features import KST
from alerts.models import Alert, MerchantDay, Score, Transaction
from alerts.schemas import TransactionIn
from alerts.services import merchant_label_record, transactions_ingest, transactions_score
from audit.models import AuditEvent
from tests.factories import active_model_install, tx_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def model():
    return active_model_install()


def ingest(rows: list[dict], **kwargs) -> list[int]:
    return transactions_ingest(
        rows=[TransactionIn.model_validate(r) for r in rows], source="test", enqueue=False, **kwargs
    ).created_ids


def history_for(customer: str, *, days: int = 20, amount: int = 4000) -> list[dict]:
    start = datetime(2026, 10, 20, 13, 0, tzinfo=KST)
    return [
        tx_row(f"{customer}-h{i}", customer=customer, amount=amount, when=start + timedelta(days=i))
        for i in range(days)
    ]


def test_a_suspicious_transaction_becomes_one_alert_with_reasons_even_if_scored_twice(model):
    transactions_score(transaction_ids=ingest(history_for("C1"), historical=True))
    when = datetime(2026, 11, 12, 2, 30, tzinfo=KST)
    [tx_id] = ingest(
        [tx_row("BIG", customer="C1", amount=45_000, when=when, merchant="M9", category="online_shopping")]
    )
    first = transactions_score(transaction_ids=[tx_id])
    second = transactions_score(transaction_ids=[tx_id])
    assert first.scored == 1 and len(first.alert_ids) == 1
    assert second.scored == 0 and second.alert_ids == []
    assert Score.objects.filter(transaction_id=tx_id).count() == 1
    alert = Alert.objects.get(transaction_id=tx_id)
    codes = [r["code"] for r in alert.score.reasons]
    assert "amount_above_usual" in codes
    amount_reason = next(r for r in alert.score.reasons if r["code"] == "amount_above_usual")
    assert "45,000원" in amount_reason["text_ko"] and "11.2배" in amount_reason["text_ko"]
    assert alert.score.model_version.name == "test-model"
    assert AuditEvent.objects.filter(action="alerts.alert.created", target_id=str(alert.pk)).count() == 1
    assert Transaction.objects.get(pk=tx_id).status == Transaction.Status.SCORED


def test_ordinary_transactions_are_scored_without_alerts(model):
    transactions_score(transaction_ids=ingest(history_for("C2"), historical=True))
    [tx_id] = ingest(
        [tx_row("USUAL", customer="C2", amount=4200, when=datetime(2026, 11, 12, 13, 5, tzinfo=KST))]
    )
    result = transactions_score(transaction_ids=[tx_id])
    assert result.scored == 1 and result.alert_ids == []
    assert Score.objects.get(transaction_id=tx_id).score < 0.5


def test_history_is_folded_into_state_but_never_scored(model):
    ids = ingest(history_for("C3"), historical=True)
    result = transactions_score(transaction_ids=ids)
    assert result.folded == len(ids) and result.scored == 0
    assert not Score.objects.exists()
    assert set(Transaction.objects.values_list("status", flat=True)) == {Transaction.Status.HISTORY}


def test_without_a_model_nothing_is_lost(db):
    [tx_id] = ingest([tx_row("WAIT")])
    result = transactions_score(transaction_ids=[tx_id])
    assert result.skipped == 1
    assert Transaction.objects.get(pk=tx_id).status == Transaction.Status.RECEIVED


def test_a_second_alert_of_the_customer_attaches_to_the_open_one(model):
    transactions_score(transaction_ids=ingest(history_for("C4"), historical=True))
    night = datetime(2026, 11, 12, 2, 0, tzinfo=KST)
    ids = ingest(
        [
            tx_row("N1", customer="C4", amount=48_000, when=night, merchant="M7", category="online_shopping"),
            tx_row(
                "N2",
                customer="C4",
                amount=47_000,
                when=night + timedelta(minutes=3),
                merchant="M8",
                category="online_shopping",
            ),
        ]
    )
    transactions_score(transaction_ids=ids)
    root = Alert.objects.get(transaction__external_id="N1")
    child = Alert.objects.get(transaction__external_id="N2")
    assert (
        root.status == Alert.Status.NEW
        and child.status == Alert.Status.ATTACHED
        and child.parent_id == root.pk
    )
    [later] = ingest(
        [
            tx_row(
                "N3",
                customer="C4",
                amount=49_000,
                when=night + timedelta(hours=1),
                merchant="M6",
                category="online_shopping",
            )
        ]
    )
    transactions_score(transaction_ids=[later])
    assert Alert.objects.get(transaction_id=later).parent_id == root.pk


def test_late_fraud_labels_feed_merchant_risk_once(model):
    ids = ingest(history_for("C5", days=3), historical=True)
    transactions_score(transaction_ids=ids)
    Transaction.objects.filter(pk=ids[0]).update(is_fraud=True)
    assert merchant_label_record(transaction_ids=ids) == 1
    assert merchant_label_record(transaction_ids=ids) == 0  # safe to repeat
    assert sum(MerchantDay.objects.values_list("fraud_count", flat=True)) == 1
    Transaction.objects.filter(pk=ids[0]).update(is_fraud=False)  # a reopened case clears the label
    assert merchant_label_record(transaction_ids=ids) == 1
    assert sum(MerchantDay.objects.values_list("fraud_count", flat=True)) == 0


def test_a_late_arriving_transaction_is_scored_on_its_own_past_only(model):
    transactions_score(transaction_ids=ingest(history_for("C6"), historical=True))
    # Arrives after the history although it happened before most of it: 1 prior transaction only.
    [tx_id] = ingest(
        [tx_row("LATE", customer="C6", amount=4000, when=datetime(2026, 10, 21, 18, 0, tzinfo=KST))]
    )
    transactions_score(transaction_ids=[tx_id])
    assert Score.objects.get(transaction_id=tx_id).features["n_prior"] == 2.0


def test_reasons_only_state_facts_about_the_transaction():
    import numpy as np

    from alerts.features import FEATURE_INDEX, FEATURE_NAMES
    from alerts.scoring import REASON_GROUPS, ReasonContext, reasons_explain

    features = [float("nan")] * len(FEATURE_NAMES)
    for name, value in {
        "amount": 5000.0,
        "hour": 13.0,
        "weekday": 2.0,
        "is_night": 0.0,
        "school_hours": 0.0,
        "foreign": 0.0,
        "new_country": 0.0,
        "amount_ratio_mean": 1.1,
    }.items():
        features[FEATURE_INDEX[name]] = value
    contributions = np.full(len(FEATURE_NAMES) + 1, 0.0)
    for group in ("beneficiary_new", "foreign", "amount"):
        contributions[FEATURE_INDEX[REASON_GROUPS[group][0]]] = 1.0  # each pushes the score up
    reasons, groups = reasons_explain(
        features, contributions, ReasonContext(local_time=datetime(2026, 11, 18, 13, tzinfo=KST))
    )
    assert [r["code"] for r in reasons] == ["amount"]  # no "first transfer" or "foreign" claim: not true here
    assert groups["beneficiary_new"] == 1.0  # the weight itself is still shown in the chart


def test_a_model_trained_before_features_were_added_still_scores_on_its_own_columns():
    import numpy as np

    from alerts.features import FEATURE_NAMES
    from alerts.scoring import FdsModel, model_train

    rng = np.random.default_rng(0)
    full = rng.normal(size=(400, len(FEATURE_NAMES)))
    labels = (full[:, 0] > 1.0).astype(float)
    older = FEATURE_NAMES[:-2]  # the list as it stood before the last two were added
    booster = model_train(full, labels, rounds=5)  # engine's own list: columns line up
    import xgboost as xgb

    legacy = xgb.train(
        {"objective": "binary:logistic", "nthread": 1},
        xgb.DMatrix(full[:, : len(older)], label=labels, feature_names=list(older)),
        num_boost_round=5,
    )
    loaded = FdsModel.loads(bytes(legacy.save_raw("ubj")), feature_names=older, threshold=0.5, version="old")
    expected = legacy.inplace_predict(full[:, : len(older)])
    assert np.allclose(loaded.predict(full), expected)
    contributions = loaded.contributions(full[:3])
    assert contributions.shape == (3, len(FEATURE_NAMES) + 1)
    assert np.all(contributions[:, len(older) : len(FEATURE_NAMES)] == 0.0)
    current = FdsModel.loads(
        bytes(booster.save_raw("ubj")), feature_names=FEATURE_NAMES, threshold=0.5, version="new"
    )
    assert current.predict(full).shape == (400,)
    with pytest.raises(ValueError, match="no longer computes"):
        FdsModel.loads(
            bytes(legacy.save_raw("ubj")), feature_names=["gone", *older[1:]], threshold=0.5, version="x"
        )
