"""Attacks on the money movement, each written as the insider (or the unlucky gateway) would try it.

Four-eyes is a property of the payout: the case must be confirmed fraud when the money moves, and
the approver must be someone who never decided the case. Payouts with an unknown outcome stay
pending and block any second payout of the case.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEvent
from cases import refunds, services, triage
from cases.errors import CaseActionRefused
from cases.gateway import GatewayTransientError, simulated_gateway_mode_set
from cases.models import Case, GatewayLedgerEntry, RefundRequest
from fdsportal import roles
from tests.factories import alert_make, customer_make

pytestmark = pytest.mark.django_db


def confirmed_case(analyst, *, amount: int = 2_500_000, customer=None) -> Case:
    alert = alert_make(amount=amount, customer=customer)
    triage.alert_escalate(alert_id=alert.pk, actor=analyst)
    case = Case.objects.filter(customer=alert.customer).order_by("-pk").first()
    assert case is not None
    services.case_start_investigation(case_id=case.pk, actor=analyst)
    services.case_decide(case_id=case.pk, actor=analyst, is_fraud=True, reason="명의도용")
    return case


def request_refund(case: Case, actor, amount: int) -> RefundRequest:
    return refunds.refund_request_create(
        case_id=case.pk, actor=actor, amount=amount, account_id=case.customer.accounts.get().pk
    )


@pytest.fixture
def case(analyst, broadcasts) -> Case:
    return confirmed_case(analyst)


# --- four-eyes -----------------------------------------------------------------------------------


def test_senior_reopens_reconfirms_and_approves_the_analysts_refund(
    case, analyst, senior, django_capture_on_commit_callbacks
):
    refund = request_refund(case, analyst, 2_500_000)
    # The senior makes themself the decider of the case, then tries to approve the payout.
    services.case_reopen(case_id=case.pk, actor=senior, reason="재검토")
    services.case_decide(case_id=case.pk, actor=senior, is_fraud=True, reason="재확정")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CaseActionRefused):
        refunds.refund_request_approve(refund_id=refund.pk, actor=senior)
    refund.refresh_from_db()
    assert refund.status == RefundRequest.Status.CANCELLED and refund.approved_by is None
    assert not GatewayLedgerEntry.objects.exists()
    cancelled = AuditEvent.objects.get(action="cases.refund.cancelled")
    assert cancelled.actor == senior and cancelled.target_id == str(refund.pk)

    # The analyst asks again after the re-confirmation; the senior decided the case, so still no.
    again = request_refund(case, analyst, 2_500_000)
    with pytest.raises(CaseActionRefused, match="Four-eyes"):
        refunds.refund_request_approve(refund_id=again.pk, actor=senior)
    with pytest.raises(CaseActionRefused, match="Four-eyes"):
        refunds.refund_request_reject(refund_id=again.pk, actor=senior, reason="본인 결정 건")
    assert RefundRequest.objects.get(pk=again.pk).status == RefundRequest.Status.REQUESTED
    assert not GatewayLedgerEntry.objects.exists()


def test_an_approver_who_only_reopened_the_case_cannot_approve(case, analyst, make_user):
    reopener = make_user(roles.SENIOR_ANALYST, "reopener")
    services.case_reopen(case_id=case.pk, actor=reopener, reason="추가 확인")
    services.case_decide(case_id=case.pk, actor=analyst, is_fraud=True, reason="재확정")
    refund = request_refund(case, analyst, 2_500_000)
    assert refund.confirmed_by == analyst  # what the refund recorded says nothing about the reopener
    with pytest.raises(CaseActionRefused, match="Four-eyes"):
        refunds.refund_request_approve(refund_id=refund.pk, actor=reopener)
    assert refunds.case_decider_ids(case_id=case.pk) == {analyst.pk, reopener.pk}


def test_refund_is_not_paid_after_the_case_was_re_decided_not_fraud(
    case, analyst, senior, make_user, django_capture_on_commit_callbacks
):
    refund = request_refund(case, analyst, 2_500_000)
    other = make_user(roles.SENIOR_ANALYST, "other-senior")
    refunds.refund_request_approve(refund_id=refund.pk, actor=other)  # approved; payout not run yet
    services.case_reopen(case_id=case.pk, actor=analyst, reason="고객 본인 거래로 확인")
    services.case_decide(case_id=case.pk, actor=analyst, is_fraud=False, reason="본인 거래")
    # The queued payout task runs now, or the reconciliation re-sends it later: neither pays.
    assert refunds.refund_payout_send(refund_id=refund.pk) == RefundRequest.Status.CANCELLED
    refunds.refunds_reconcile(now=timezone.now() + timedelta(minutes=10))
    assert not GatewayLedgerEntry.objects.exists()
    assert RefundRequest.objects.get(pk=refund.pk).status == RefundRequest.Status.CANCELLED


def test_approving_a_refund_of_a_case_no_longer_confirmed_is_refused(case, analyst, senior):
    refund = request_refund(case, analyst, 2_500_000)
    # Even a refund that escaped cancellation (a row written behind the service's back) cannot be
    # approved while the case is not confirmed fraud.
    Case.objects.filter(pk=case.pk).update(status=Case.Status.NOT_FRAUD)
    with pytest.raises(CaseActionRefused, match="no longer confirmed"):
        refunds.refund_request_approve(refund_id=refund.pk, actor=senior)
    assert RefundRequest.objects.get(pk=refund.pk).status == RefundRequest.Status.REQUESTED


def test_splitting_a_large_refund_over_cases_still_needs_a_second_approver(
    analyst, broadcasts, django_capture_on_commit_callbacks
):
    # Threshold 1,000,000 KRW: 1,800,000 asked as two 900,000 requests on two cases of one customer.
    customer = customer_make()
    first_case = confirmed_case(analyst, amount=900_000, customer=customer)
    second_case = confirmed_case(analyst, amount=900_000, customer=customer)
    assert first_case.pk != second_case.pk
    with django_capture_on_commit_callbacks(execute=True):
        first = request_refund(first_case, analyst, 900_000)
        second = request_refund(second_case, analyst, 900_000)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == RefundRequest.Status.SETTLED and not first.needs_second_approval
    assert second.needs_second_approval and second.status == RefundRequest.Status.REQUESTED
    assert GatewayLedgerEntry.objects.count() == 1
    requested = AuditEvent.objects.filter(action="cases.refund.requested", target_id=str(second.pk)).get()
    assert requested.after["customer_refunds_today"] == 1_800_000


def test_rejected_refunds_do_not_count_towards_the_daily_sum(analyst, senior, broadcasts):
    customer = customer_make()
    big_case = confirmed_case(analyst, amount=2_000_000, customer=customer)
    big = request_refund(big_case, analyst, 2_000_000)
    refunds.refund_request_reject(refund_id=big.pk, actor=senior, reason="증빙 부족")
    small = request_refund(big_case, analyst, 500_000)
    assert not small.needs_second_approval


def test_a_second_approval_cannot_be_skipped_in_the_database(case, analyst):
    refund = request_refund(case, analyst, 2_500_000)
    assert refund.needs_second_approval
    with pytest.raises(IntegrityError), transaction.atomic():
        RefundRequest.objects.filter(pk=refund.pk).update(status=RefundRequest.Status.APPROVED)


# --- payouts -------------------------------------------------------------------------------------


@pytest.fixture
def approved(case, analyst, senior) -> RefundRequest:
    refund = request_refund(case, analyst, 2_500_000)
    refunds.refund_request_approve(refund_id=refund.pk, actor=senior)  # on_commit not run: no payout yet
    return refund


def test_gateway_pending_is_not_failure_and_blocks_a_second_payout(approved, case, analyst):
    simulated_gateway_mode_set(mode="pending")
    assert refunds.refund_payout_send(refund_id=approved.pk) == RefundRequest.Status.PENDING
    # Before: "pending" was recorded as failed, which freed the case for a new refund with a new key.
    with pytest.raises(CaseActionRefused, match="already has a refund"):
        request_refund(case, analyst, 2_500_000)
    # Retries and reconciliations while the gateway still says pending change nothing.
    assert refunds.refund_payout_send(refund_id=approved.pk) == RefundRequest.Status.PENDING
    assert refunds.refunds_in_flight_resolve().pending == 1
    assert GatewayLedgerEntry.objects.count() == 1
    # The gateway finishes: the beat task settles it, once.
    simulated_gateway_mode_set(mode="normal")
    assert refunds.refunds_in_flight_resolve().settled == 1
    assert refunds.refunds_in_flight_resolve().settled == 0
    approved.refresh_from_db()
    assert approved.status == RefundRequest.Status.SETTLED
    assert GatewayLedgerEntry.objects.get().idempotency_key == approved.idempotency_key
    assert AuditEvent.objects.filter(action="cases.refund.pending").count() == 1
    assert AuditEvent.objects.get(action="cases.refund.settled").actor_label == "system:reconcile"


def test_gateway_timeout_leaves_the_refund_pending_and_the_retry_keeps_its_key(approved, case, analyst):
    simulated_gateway_mode_set(mode="timeout")  # books the payout, then never answers
    with pytest.raises(GatewayTransientError):
        refunds.refund_payout_send(refund_id=approved.pk)
    approved.refresh_from_db()
    assert approved.status == RefundRequest.Status.PENDING and "timed out" in approved.last_error
    with pytest.raises(CaseActionRefused):
        request_refund(case, analyst, 2_500_000)
    with pytest.raises(GatewayTransientError):
        refunds.refund_payout_send(refund_id=approved.pk)  # the task's retry
    simulated_gateway_mode_set(mode="normal")
    assert refunds.refunds_in_flight_resolve().settled == 1
    assert list(GatewayLedgerEntry.objects.values_list("idempotency_key", flat=True)) == [
        approved.idempotency_key
    ]
    assert RefundRequest.objects.get(pk=approved.pk).idempotency_key == approved.idempotency_key


def test_an_unknown_gateway_answer_is_pending_not_failed(approved, monkeypatch):
    from cases import gateway

    class Odd(gateway.SimulatedCoreBankingGateway):
        def payout(self, **kwargs):  # type: ignore[no-untyped-def, override]
            result = super().payout(**kwargs)
            return gateway.PayoutResult(status="queued", reference=result.reference, amount=result.amount)

    monkeypatch.setattr(refunds, "payment_gateway", lambda: Odd())
    assert refunds.refund_payout_send(refund_id=approved.pk) == RefundRequest.Status.PENDING


def test_a_pending_refund_the_gateway_never_booked_is_resent_with_the_same_key(approved):
    simulated_gateway_mode_set(mode="unavailable")
    with pytest.raises(GatewayTransientError):
        refunds.refund_payout_send(refund_id=approved.pk)
    assert not GatewayLedgerEntry.objects.exists()
    simulated_gateway_mode_set(mode="normal")
    report = refunds.refunds_in_flight_resolve()
    assert report.resent == 1  # eager Celery in tests: the re-send ran
    approved.refresh_from_db()
    assert approved.status == RefundRequest.Status.SETTLED
    assert GatewayLedgerEntry.objects.get().idempotency_key == approved.idempotency_key


def test_a_failed_refund_the_gateway_paid_blocks_a_new_request(approved, case, analyst):
    simulated_gateway_mode_set(mode="failure")
    assert refunds.refund_payout_send(refund_id=approved.pk) == RefundRequest.Status.FAILED
    # The gateway's book later shows the money moved after all.
    GatewayLedgerEntry.objects.filter(idempotency_key=approved.idempotency_key).update(status="settled")
    assert refunds.refunds_reconcile().flagged == 1
    with pytest.raises(CaseActionRefused, match="may have been paid"):
        request_refund(case, analyst, 2_500_000)


def test_the_in_flight_task_is_scheduled():
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"cases.tasks.refunds_in_flight_resolve", "cases.tasks.refunds_reconcile"} <= tasks


def test_the_waiting_for_my_approval_list_leaves_out_cases_i_decided(case, analyst, senior, make_user):
    services.case_reopen(case_id=case.pk, actor=senior, reason="재검토")
    services.case_decide(case_id=case.pk, actor=analyst, is_fraud=True, reason="재확정")
    refund = request_refund(case, analyst, 2_500_000)
    other = make_user(roles.SENIOR_ANALYST, "other-senior")
    from cases.selectors import refunds_search

    assert list(refunds_search(waiting_for=senior)) == []
    assert list(refunds_search(waiting_for=other)) == [refund]


def test_the_refunds_page_offers_no_approve_button_on_a_case_the_senior_decided(
    case, analyst, senior, client_for
):
    services.case_reopen(case_id=case.pk, actor=senior, reason="재검토")
    services.case_decide(case_id=case.pk, actor=senior, is_fraud=True, reason="재확정")
    request_refund(case, analyst, 2_500_000)
    page = client_for(senior).get("/cases/refunds/").content.decode()
    assert 'data-testid="approve-refund"' not in page and "Needs another approver" in page
    detail = client_for(senior).get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="approve-refund"' not in detail


def test_a_refunds_idempotency_key_cannot_be_changed_in_the_database(approved):
    import uuid

    with pytest.raises(Exception, match="idempotency key"), transaction.atomic():
        RefundRequest.objects.filter(pk=approved.pk).update(idempotency_key=uuid.uuid4())
    approved.refresh_from_db()
    assert refunds.refund_payout_send(refund_id=approved.pk) == RefundRequest.Status.SETTLED
