"""In a real Chromium: a suspicious transaction posted to the API appears in the analyst's queue live."""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta

import pytest

from alerts.features import KST
from tests.factories import active_model_install, tx_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _post(url: str, token: str, rows: list[dict]) -> dict:
    request = urllib.request.Request(
        url + "/api/transactions/batch",
        data=json.dumps({"transactions": rows}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (local test server)
        return json.loads(response.read())


def test_a_new_alert_row_appears_without_a_reload(page, live_server_url, login, analyst, service_token):
    active_model_install()
    history = [
        tx_row(
            f"B-h{i}",
            customer="BROWSER",
            amount=4000,
            when=datetime(2026, 10, 20, 13, tzinfo=KST) + timedelta(days=i),
        )
        for i in range(15)
    ]
    assert len(_post(live_server_url, service_token, history)["created"]) == 15

    login(page, "analyst")
    page.goto(live_server_url + "/alerts/")
    page.wait_for_selector("#feed-status[data-state=live]", timeout=10_000)
    assert page.locator("#alert-rows tr").count() == 0
    page.evaluate("window.__marker = 'same page'")  # gone if the page reloads

    suspicious = tx_row(
        "B-NIGHT",
        customer="BROWSER",
        amount=45_000,
        merchant="M9",
        category="online_shopping",
        when=datetime(2026, 11, 12, 2, 10, tzinfo=KST),
    )
    _post(live_server_url, service_token, [suspicious])

    row = page.locator("#alert-rows tr").first
    row.wait_for(timeout=15_000)
    assert "45,000원" in row.inner_text()
    assert page.evaluate("window.__marker") == "same page"
    row.locator("a").first.click()
    page.wait_for_selector("[data-testid=reasons] li")
    assert "평소 금액" in page.locator("[data-testid=reasons]").inner_text()
    # Both Plotly charts drew their data: contribution bars and the customer's hourly history.
    # Playwright's default 30 s: parsing the 4.8 MB plotly.js bundle on a busy 2-core machine took
    # longer than 10 s, though the figures were in the page.
    page.wait_for_selector("[data-figure=contribution-figure] .barlayer .point", state="attached")
    page.wait_for_selector("[data-figure=hourly-figure] .scatterlayer .point", state="attached")
    assert page.locator("[data-figure=contribution-figure] .barlayer .point").count() == 10  # one bar a group
