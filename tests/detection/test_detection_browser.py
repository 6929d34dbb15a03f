"""In Chromium against the real ASGI server and Celery worker: a senior drafts a rule, backtests it
and sees the chart, a second senior approves, and a matching transaction alerts with the rule's
reason and the new version on the alert page."""

from __future__ import annotations

import re

import pytest

from alerts.models import Alert
from detection.models import ChangeRequest, RuleSetVersion
from fdsportal import roles
from tests.detection.conftest import score_one, transfer_row
from tests.factories import active_model_install

pytestmark = pytest.mark.browser
MULE = "777888999000"


def test_draft_backtest_approve_and_alert(live_server_url, login, make_user, page):
    make_user(roles.SENIOR_ANALYST, "drafter")
    make_user(roles.SENIOR_ANALYST, "approver")
    make_user(roles.FRAUD_ANALYST, "analyst")
    active_model_install()
    # Past traffic for the backtest: one earlier transfer to the account the new rule watches.
    score_one("PAST-1", customer="EARLIER", **transfer_row(account=MULE))
    score_one("PAST-2", customer="OTHER", **transfer_row(account="123123123123"))

    login(page, "drafter")
    page.goto(f"{live_server_url}/detection/")
    page.get_by_test_id("rule-new").click()
    page.fill("input[name=code]", "mule_account_watch")
    page.fill("textarea[name=condition]", "beneficiary_account == '777888999000' &&")
    page.select_option("select[name=effect]", "floor")
    page.fill("input[name=value]", "0.99")
    page.fill("input[name=reason_ko]", "감시 계좌 {beneficiary_account}로 {amount:,.0f}원을 송금합니다")
    page.fill("input[name=reason_en]", "KRW {amount:,.0f} to watched account {beneficiary_account}")
    page.get_by_test_id("rule-save").click()
    # A broken condition is refused with its position, and nothing is saved.
    assert "syntax error" in page.get_by_test_id("error-condition").inner_text()
    page.fill("textarea[name=condition]", "beneficiary_account == '777888999000'")
    page.get_by_test_id("rule-save").click()
    page.wait_for_url(re.compile(r"/detection/$"))
    assert page.locator("[data-code=mule_account_watch]").count() == 1

    page.fill("[data-testid=backtest-days]", "30")
    page.get_by_test_id("backtest-start").click()
    page.wait_for_url(re.compile(r"/detection/backtests/\d+/$"))
    page.wait_for_selector("[data-testid=backtest-chart] .main-svg", timeout=60_000)
    assert "Done" in page.get_by_test_id("backtest-status").inner_text()
    assert page.get_by_test_id("draft-alerts").inner_text().strip() != ""
    page.get_by_test_id("publish").click()
    page.wait_for_url(re.compile(r"/detection/changes/\d+/$"))
    assert page.get_by_test_id("approve").count() == 0  # the maker is offered no approval
    change = ChangeRequest.objects.get(kind="publish")

    page.context.clear_cookies()
    login(page, "approver")
    page.goto(f"{live_server_url}/detection/changes/{change.pk}/")
    page.wait_for_selector("[data-testid=change-status]")
    page.get_by_test_id("approve").click()
    page.wait_for_load_state("networkidle")
    assert "applied" in page.get_by_test_id("change-status").inner_text().lower()
    live = RuleSetVersion.objects.get(is_live=True)
    assert live.number == change.payload["version"]

    score = score_one("NOW-1", customer="VICTIM", **transfer_row(account=MULE, amount=450_000))
    alert = Alert.objects.get(transaction=score.transaction)
    page.context.clear_cookies()
    login(page, "analyst")
    page.goto(f"{live_server_url}/alerts/{alert.pk}/")
    reason = page.locator("[data-reason=mule_account_watch]")
    assert "감시 계좌 777888999000로 450,000원을 송금합니다" in reason.inner_text()
    assert page.get_by_test_id("rule-set-version").inner_text() == f"v{live.number}"
