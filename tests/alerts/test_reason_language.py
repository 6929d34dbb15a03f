"""Which language an alert's reasons are shown in first: the viewer's on pages, FDS_REASON_LANGUAGE
where no person is involved (the API's `text`, the pushed rows' default rendering)."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from alerts.models import Alert
from alerts.push import alert_row_payload
from alerts.selectors import alert_rows
from alerts.simulator import seed_case_transactions
from tests.factories import simulated_model_install

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed_alert(api_client, django_capture_on_commit_callbacks) -> Alert:
    simulated_model_install()
    rows = seed_case_transactions(friday=date(2026, 11, 20))
    for row in rows:
        row["occurred_at"] = row["occurred_at"].isoformat()
        row["customer"]["birth_date"] = row["customer"]["birth_date"].isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/transactions/batch",
            data=json.dumps({"transactions": rows}),
            content_type="application/json",
        )
    assert response.status_code == 201
    return alert_rows().get(transaction__external_id=rows[-1]["external_id"])


def _reasons_cell(html: str) -> str:
    match = re.search(r'<ul class="reasons">(.*?)</ul>', html, re.S)
    assert match, html
    return match.group(1)


def test_reasons_are_korean_by_default(seed_alert, client_for, analyst):
    cell = _reasons_cell(alert_row_payload(seed_alert)["html"])
    assert "금요일" in cell and "Friday" not in cell
    reasons = client_for(analyst).get(f"/api/alerts/{seed_alert.pk}").json()["reasons"]
    assert reasons and all(r["text"] == r["text_ko"] for r in reasons)


def test_english_reason_language_shows_english_first(seed_alert, settings, client_for, analyst):
    settings.FDS_REASON_LANGUAGE = "en"
    cell = _reasons_cell(alert_row_payload(seed_alert)["html"])
    assert "Friday" in cell and "금요일" not in cell
    reasons = client_for(analyst).get(f"/api/alerts/{seed_alert.pk}").json()["reasons"]
    assert reasons and all(r["text"] == r["text_en"] for r in reasons)
    # Pages follow the viewer, whatever the setting says.
    for language, expected in (("ko", "금요일"), ("en", "Friday")):
        page = client_for(analyst, language=language).get(f"/alerts/{seed_alert.pk}/").content.decode()
        first = re.search(r'data-reason="school_hours"><strong>(.*?)</strong>', page)
        assert first and expected in first.group(1), language
        row = _reasons_cell(alert_row_payload(seed_alert)["html_by_language"][language])
        assert expected in row
