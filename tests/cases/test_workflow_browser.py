"""End to end in Chromium: triage → case → confirmed fraud → refund → four-eyes approval → settled →
the compliance reviewer reads the whole story. Runs against the real ASGI server and Celery worker."""

from __future__ import annotations

import re
import time

import pytest

from cases.models import Case, GatewayLedgerEntry, RefundRequest
from fdsportal import roles
from tests.factories import alert_make

pytestmark = pytest.mark.browser


def switch_user(page, login, username: str) -> None:
    page.context.clear_cookies()
    login(page, username, language=None)  # this test reads the Korean status labels


def test_alert_to_settled_refund_with_four_eyes(live_server_url, login, make_user, page):
    make_user(roles.FRAUD_ANALYST, "analyst")
    make_user(roles.SENIOR_ANALYST, "senior")
    make_user(roles.COMPLIANCE_REVIEWER, "compliance")
    alert = alert_make(amount=2_500_000)
    alert_make(customer=alert.customer, amount=40_000, status="attached", parent=alert)

    # The analyst triages the alert into a case.
    login(page, "analyst", language=None)
    page.goto(f"{live_server_url}/alerts/{alert.pk}/")
    page.get_by_test_id("claim").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("alert-assignee").inner_text() == "analyst"
    page.get_by_test_id("escalate").click()
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get(customer=alert.customer)
    assert page.url.endswith(f"/cases/{case.pk}/")

    # Investigates, confirms fraud and requests the refund in the same decision.
    page.get_by_test_id("start-investigation").click()
    page.wait_for_load_state("networkidle")
    form = page.get_by_test_id("decide-form")
    form.locator("input[name=decision][value=fraud]").check()
    form.locator("textarea[name=reason]").fill("고객 통화: 본인 거래 아님 (명의도용)")
    form.locator("input[name=refund_amount]").fill("2540000")
    page.get_by_test_id("decide").click()
    page.wait_for_load_state("networkidle")
    assert "사기 확정" in page.get_by_test_id("case-status").inner_text()
    assert "승인 대기" in page.get_by_test_id("refund-status").inner_text()
    assert page.get_by_test_id("approve-refund").count() == 0  # the analyst cannot approve

    # A senior analyst approves it (four-eyes).
    switch_user(page, login, "senior")
    page.goto(f"{live_server_url}/cases/refunds/?waiting=1")
    page.get_by_test_id("approve-refund").click()
    page.wait_for_load_state("networkidle")

    # The worker pays it through the simulated gateway; the case page shows it settled.
    refund = RefundRequest.objects.get(case=case)
    deadline = time.monotonic() + 30
    while RefundRequest.objects.get(pk=refund.pk).status != RefundRequest.Status.SETTLED:
        assert time.monotonic() < deadline, RefundRequest.objects.get(pk=refund.pk).status
        time.sleep(0.3)
    assert GatewayLedgerEntry.objects.get().amount == 2_540_000
    page.goto(f"{live_server_url}/cases/{case.pk}/")
    assert "지급 완료" in page.get_by_test_id("refund-status").inner_text()

    # The compliance reviewer sees every step, with who did it.
    switch_user(page, login, "compliance")
    page.goto(f"{live_server_url}/cases/{case.pk}/")
    timeline = page.get_by_test_id("timeline")
    actions = timeline.locator("li").evaluate_all("items => items.map(i => i.dataset.action)")
    for expected in (
        "alerts.alert.claimed",
        "cases.case.opened",
        "alerts.alert.escalated",
        "cases.case.investigating",
        "cases.case.confirmed_fraud",
        "cases.refund.requested",
        "cases.refund.approved",
        "cases.refund.sent",
        "cases.refund.settled",
    ):
        assert expected in actions, (expected, actions)
    assert actions.count("alerts.alert.escalated") == 2  # the attached alert came along
    text = timeline.inner_text()
    assert "senior" in text and "analyst" in text and "명의도용" in text
    assert page.get_by_test_id("decide-form").count() == 0  # read-only for compliance


def test_keyboard_triage_on_the_queue(live_server_url, login, make_user, page):
    from alerts.models import Alert

    make_user(roles.FRAUD_ANALYST, "analyst")
    older = alert_make(amount=70_000)
    newer = alert_make(amount=80_000)
    login(page, "analyst", language=None)
    page.goto(f"{live_server_url}/alerts/")
    page.wait_for_selector(f"#alert-{newer.pk}")

    def wait_for(alert: Alert, status: str) -> None:
        deadline = time.monotonic() + 10
        while Alert.objects.get(pk=alert.pk).status != status:
            assert time.monotonic() < deadline, Alert.objects.get(pk=alert.pk).status
            time.sleep(0.1)

    page.keyboard.press("j")  # first row: the newest alert
    assert "kb-current" in (page.locator(f"#alert-{newer.pk}").get_attribute("class") or "")
    page.keyboard.press("c")
    wait_for(newer, Alert.Status.CLAIMED)
    # The row is re-rendered by the live push: everyone sees who works on it.
    page.locator(f"#alert-{newer.pk} [data-testid=alert-status]").filter(has_text="analyst").wait_for()
    page.keyboard.press("x")
    assert page.locator("#bulk-count [data-count]").inner_text() == "1"

    page.keyboard.press("j")
    page.once("dialog", lambda dialog: dialog.accept("2"))  # 2 = known normal pattern
    page.keyboard.press("d")
    wait_for(older, Alert.Status.DISMISSED)
    assert Alert.objects.get(pk=older.pk).decision_reason.startswith("known_pattern")
    page.locator("#triage-flash").filter(has_text=f"#{older.pk}").wait_for()
