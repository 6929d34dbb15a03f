"""The bank's own example, end to end through the public API."""

from __future__ import annotations

import json
from datetime import date

import pytest

from alerts.models import Alert
from alerts.simulator import seed_case_transactions
from tests.factories import simulated_model_install

pytestmark = pytest.mark.django_db


def _post(api_client, rows):
    for row in rows:
        row["occurred_at"] = row["occurred_at"].isoformat()
        row["customer"]["birth_date"] = row["customer"]["birth_date"].isoformat()
    return api_client.post(
        "/api/transactions/batch", data=json.dumps({"transactions": rows}), content_type="application/json"
    )


def test_a_17_year_old_paying_7000_won_at_7_on_a_friday_raises_an_alert_with_both_reasons(
    api_client, django_capture_on_commit_callbacks
):
    simulated_model_install()
    rows = seed_case_transactions(friday=date(2026, 11, 20))
    history, payment = rows[:-1], rows[-1]
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(api_client, history).status_code == 201
    assert not Alert.objects.exists()  # small after-school purchases are ordinary for this customer
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(api_client, [payment]).status_code == 201
    alert = Alert.objects.select_related("score").get(transaction__external_id=payment["external_id"])
    reasons = {r["code"]: r for r in alert.score.reasons}
    assert "school_hours" in reasons, alert.score.reasons
    assert "amount_above_usual" in reasons, alert.score.reasons
    assert "07:00" in reasons["school_hours"]["text_ko"] and "17세" in reasons["school_hours"]["text_ko"]
    assert "금요일" in reasons["school_hours"]["text_ko"]
    assert "7,000원" in reasons["amount_above_usual"]["text_ko"]
    assert "Friday" in reasons["school_hours"]["text_en"]
