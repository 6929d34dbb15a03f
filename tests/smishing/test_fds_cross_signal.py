"""Smishing reports raise transfer risk in the FDS only once they are trustworthy.

One employee's unreviewed report must not be able to make a chosen person's transfers alert. A
report counts once an analyst confirmed it, or once several independent employees reported the same
number, or once a confirmed report's numbers were promoted to the watch list (with approval).
"""

from __future__ import annotations

import pytest

from alerts.models import Alert, ModelVersion
from detection import services as detection
from detection.models import ListEntry
from fdsportal import roles
from smishing import labelling
from smishing.models import Label
from tests.detection.conftest import score_one, transfer_row
from tests.factories import active_model_install

pytestmark = pytest.mark.django_db

SCAM = "[KB국민은행] 고객님 계좌가 범죄에 연루되었습니다. 안전계좌 국민 110-123-456789 로 즉시 이체 바랍니다 http://kb-safe.xyz"
TARGET = "110-123-456789"


def _strict_model() -> None:
    """A live model whose own verdict never alerts on these ordinary transfers: only rules can."""
    active_model_install()
    ModelVersion.objects.filter(is_active=True).update(threshold=0.9)


def test_one_employees_unreviewed_report_does_not_make_a_chosen_persons_transfers_alert(
    fake_model, submit, employee
):
    _strict_model()
    submit(employee, SCAM, consent=True)  # the insider names the victim's landlord's account
    score = score_one("PAY-RENT", customer="VICTIM", **transfer_row(account=TARGET))
    assert "smishing_reported_beneficiary" not in score.rule_hits
    assert score.score == pytest.approx(score.model_score)
    assert not Alert.objects.filter(transaction=score.transaction).exists()


def test_the_same_employee_reporting_three_times_is_still_one_reporter(fake_model, submit, employee):
    _strict_model()
    for _ in range(3):
        submit(employee, SCAM, consent=True)
    score = score_one("PAY-RENT", customer="VICTIM", **transfer_row(account=TARGET))
    assert "smishing_reported_beneficiary" not in score.rule_hits


def test_an_analyst_confirmed_report_floors_the_transfer_and_says_so(fake_model, submit, employee, analyst):
    _strict_model()
    report = submit(employee, SCAM, consent=True)
    labelling.submission_label(submission_id=report.pk, label=Label.SMISHING, actor=analyst)
    score = score_one("PAY-MULE", customer="VICTIM", **transfer_row(account=TARGET))
    alert = Alert.objects.select_related("score").get(transaction=score.transaction)
    assert alert.score.score >= 0.95
    reason = {r["code"]: r for r in alert.score.reasons}["smishing_reported_beneficiary"]
    assert "1건" in reason["text_ko"] and "분석가 확인 1건" in reason["text_ko"]
    assert "110123456789" in reason["text_ko"]
    assert "1 confirmed by an analyst" in reason["text_en"]


def test_three_independent_reporters_floor_the_transfer(fake_model, submit, make_user):
    _strict_model()
    for i in range(3):
        submit(make_user(roles.EMPLOYEE, f"teller{i}"), SCAM, consent=True)
    score = score_one("PAY-MULE", customer="VICTIM", **transfer_row(account=TARGET))
    assert "smishing_reported_beneficiary" in score.rule_hits
    alert = Alert.objects.select_related("score").get(transaction=score.transaction)
    reason = {r["code"]: r for r in alert.score.reasons}["smishing_reported_beneficiary"]
    assert "신고자 3명" in reason["text_ko"] and "분석가 확인 0건" in reason["text_ko"]


def test_a_report_an_analyst_called_normal_does_not_count(fake_model, submit, make_user, analyst):
    _strict_model()
    reports = [submit(make_user(roles.EMPLOYEE, f"teller{i}"), SCAM, consent=True) for i in range(3)]
    labelling.submission_label(submission_id=reports[0].pk, label=Label.NORMAL, actor=analyst)
    score = score_one("PAY-OK", customer="VICTIM", **transfer_row(account=TARGET))
    assert "smishing_reported_beneficiary" not in score.rule_hits


def test_a_promoted_confirmed_report_puts_its_numbers_on_the_watch_list_after_approval(
    fake_model, submit, employee, analyst, make_user
):
    _strict_model()
    report = submit(employee, SCAM, consent=True)
    with pytest.raises(detection.DetectionError):  # not confirmed yet
        detection.indicators_promote(user=analyst, submission_id=report.pk, reason="")
    labelling.submission_label(submission_id=report.pk, label=Label.SMISHING, actor=analyst)
    change = detection.indicators_promote(user=analyst, submission_id=report.pk, reason="")
    assert not ListEntry.objects.exists()  # a list change waits for its approver
    detection.change_approve(user=make_user(roles.SENIOR_ANALYST, "approver"), change_id=change.pk)
    entry = ListEntry.objects.get(watch_list__name="smishing-accounts")
    assert entry.value == "110123456789" and f"#{report.pk}" in entry.reason
    score = score_one("PAY-MULE", customer="VICTIM", **transfer_row(account=TARGET))
    assert "smishing_watch_list" in score.rule_hits
    assert Alert.objects.filter(transaction=score.transaction).exists()


def test_the_same_transfer_to_an_unreported_account_has_no_such_reason(fake_model, submit, employee):
    active_model_install()
    submit(employee, SCAM, consent=True)
    score = score_one("PAY-OTHER", customer="SOMEONE", **transfer_row(account="333-444-555666"))
    assert "smishing_reported_beneficiary" not in score.rule_hits
