from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from audit.models import AuditEvent
from cases import refunds, services, triage
from cases.errors import CaseActionRefused
from cases.gateway import GatewayTransientError, simulated_gateway_mode_set
from cases.models import Case, GatewayLedgerEntry, RefundRequest
from fdsportal import roles
from tests.factories import alert_make

pytestmark = pytest.mark.django_db


def confirmed_case(analyst, amount: int = 2_500_000) -> Case:
    alert = alert_make(amount=amount)
    triage.alert_escalate(alert_id=alert.pk, actor=analyst)
    case = Case.objects.get(customer=alert.customer)
    services.case_start_investigation(case_id=case.pk, actor=analyst)
    services.case_decide(case_id=case.pk, actor=analyst, is_fraud=True, reason="명의도용")
    return case


def refund_for(case: Case, actor, amount: int | None = None) -> RefundRequest:
    return refunds.refund_request_create(
        case_id=case.pk, actor=actor, amount=amount or 2_500_000, account_id=case.customer.accounts.get().pk
    )


@pytest.fixture
def case(analyst, broadcasts) -> Case:
    return confirmed_case(analyst)


def test_four_eyes_the_confirmer_cannot_approve(case, make_user, senior, django_capture_on_commit_callbacks):
    # A senior who confirmed the fraud and requested the refund themself.
    confirmer = make_user(roles.SENIOR_ANALYST, "senior-confirmer")
    alert = alert_make(amount=2_000_000)
    triage.alert_escalate(alert_id=alert.pk, actor=confirmer)
    own = Case.objects.get(customer=alert.customer)
    services.case_start_investigation(case_id=own.pk, actor=confirmer)
    services.case_decide(case_id=own.pk, actor=confirmer, is_fraud=True, reason="확인")
    refund = refunds.refund_request_create(
        case_id=own.pk, actor=confirmer, amount=2_000_000, account_id=own.customer.accounts.get().pk
    )
    before = AuditEvent.objects.count()
    with pytest.raises(CaseActionRefused, match="Four-eyes"):
        refunds.refund_request_approve(refund_id=refund.pk, actor=confirmer)
    refund.refresh_from_db()
    assert refund.status == RefundRequest.Status.REQUESTED and refund.approved_by is None
    assert AuditEvent.objects.count() == before
    with django_capture_on_commit_callbacks(execute=True):
        refunds.refund_request_approve(refund_id=refund.pk, actor=senior, reason="증빙 확인")
    refund.refresh_from_db()
    assert refund.status == RefundRequest.Status.SETTLED and refund.approved_by == senior
    assert GatewayLedgerEntry.objects.get().amount == 2_000_000


def test_four_eyes_the_requester_cannot_approve_either(case, analyst, make_user):
    # The confirmer is an analyst; a senior who merely requested the refund still cannot approve it.
    requester = make_user(roles.SENIOR_ANALYST, "senior-requester")
    refund = refund_for(case, requester)
    assert refund.confirmed_by == analyst and refund.requested_by == requester
    with pytest.raises(CaseActionRefused, match="Four-eyes"):
        refunds.refund_request_approve(refund_id=refund.pk, actor=requester)
    assert RefundRequest.objects.get(pk=refund.pk).status == RefundRequest.Status.REQUESTED


def test_four_eyes_is_also_a_database_constraint(case, analyst):
    refund = refund_for(case, analyst)
    with pytest.raises(IntegrityError), transaction.atomic():
        RefundRequest.objects.filter(pk=refund.pk).update(approved_by=analyst)


def test_analysts_cannot_approve(case, analyst, make_user):
    refund = refund_for(case, analyst)
    other_analyst = make_user(roles.FRAUD_ANALYST, "kim")
    with pytest.raises(CaseActionRefused):
        refunds.refund_request_approve(refund_id=refund.pk, actor=other_analyst)


def test_small_refunds_are_approved_without_a_second_person(
    case, analyst, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_for(case, analyst, amount=500_000)
    refund.refresh_from_db()
    assert not refund.needs_second_approval and refund.approved_by is None
    assert refund.status == RefundRequest.Status.SETTLED
    approved = AuditEvent.objects.get(action="cases.refund.approved")
    assert approved.actor_label == "system:four-eyes-threshold"


@override_settings(FDS_REFUND_FOUR_EYES_KRW=100_000)
def test_threshold_is_configurable(case, analyst):
    refund = refund_for(case, analyst, amount=500_000)
    assert refund.needs_second_approval and refund.status == RefundRequest.Status.REQUESTED


def test_refund_requests_are_validated(case, analyst, make_user):
    with pytest.raises(CaseActionRefused, match="between"):
        refund_for(case, analyst, amount=2_500_001)  # more than the case's fraud total
    stranger_account = alert_make().customer.accounts.get()
    with pytest.raises(CaseActionRefused, match="customer's own"):
        refunds.refund_request_create(
            case_id=case.pk, actor=analyst, amount=1000, account_id=stranger_account.pk
        )
    refund_for(case, analyst)
    with pytest.raises(CaseActionRefused, match="already has a refund"):
        refund_for(case, analyst)
    assert RefundRequest.objects.count() == 1


def test_only_confirmed_fraud_cases_are_refunded(analyst, broadcasts):
    alert = alert_make()
    triage.alert_escalate(alert_id=alert.pk, actor=analyst)
    case = Case.objects.get()
    with pytest.raises(CaseActionRefused, match="confirmed fraud"):
        refund_for(case, analyst, amount=1000)


def test_confirming_with_a_refund_is_one_step_and_all_or_nothing(analyst, broadcasts):
    alert = alert_make(amount=3_000_000)
    triage.alert_escalate(alert_id=alert.pk, actor=analyst)
    case = Case.objects.get()
    services.case_start_investigation(case_id=case.pk, actor=analyst)
    account = case.customer.accounts.get()
    with pytest.raises(CaseActionRefused):  # too much: the whole decision is refused
        services.case_decide(
            case_id=case.pk,
            actor=analyst,
            is_fraud=True,
            reason="r",
            refund_amount=9_999_999,
            refund_account_id=account.pk,
        )
    case.refresh_from_db()
    assert case.status == Case.Status.INVESTIGATING and not RefundRequest.objects.exists()
    services.case_decide(
        case_id=case.pk,
        actor=analyst,
        is_fraud=True,
        reason="r",
        refund_amount=3_000_000,
        refund_account_id=account.pk,
    )
    refund = RefundRequest.objects.get()
    assert refund.confirmed_by == analyst and refund.status == RefundRequest.Status.REQUESTED


# --- payout --------------------------------------------------------------------------------------


@pytest.fixture
def approved(case, analyst, senior) -> RefundRequest:
    refund = refund_for(case, analyst)
    refunds.refund_request_approve(refund_id=refund.pk, actor=senior)  # on_commit not run: no payout yet
    return refund


def test_payout_run_twice_pays_once(approved):
    assert refunds.refund_payout_send(refund_id=approved.pk) == RefundRequest.Status.SETTLED
    assert refunds.refund_payout_send(refund_id=approved.pk) == RefundRequest.Status.SETTLED
    assert GatewayLedgerEntry.objects.filter(idempotency_key=approved.idempotency_key).count() == 1
    assert AuditEvent.objects.filter(action="cases.refund.settled").count() == 1


def test_worker_killed_after_the_gateway_call_is_healed_by_a_retry(approved, monkeypatch):
    original = refunds.refund_outcome_record

    def die(**kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(refunds, "refund_outcome_record", die)
    with pytest.raises(SystemExit):
        refunds.refund_payout_send(refund_id=approved.pk)
    approved.refresh_from_db()
    assert approved.status == RefundRequest.Status.SENT  # we never learnt the answer
    assert GatewayLedgerEntry.objects.count() == 1  # but the money moved
    monkeypatch.setattr(refunds, "refund_outcome_record", original)
    assert refunds.refund_payout_send(refund_id=approved.pk) == RefundRequest.Status.SETTLED
    assert GatewayLedgerEntry.objects.count() == 1
    report = refunds.refunds_reconcile()
    assert report.confirmed == 1 and report.flagged == 0
    approved.refresh_from_db()
    assert approved.status == RefundRequest.Status.SETTLED and approved.reconciled_at is not None


def test_reconciliation_settles_a_refund_whose_answer_was_lost(approved, monkeypatch):
    monkeypatch.setattr(refunds, "refund_outcome_record", lambda **kw: (_ for _ in ()).throw(SystemExit()))
    with pytest.raises(SystemExit):
        refunds.refund_payout_send(refund_id=approved.pk)
    monkeypatch.undo()
    # Not yet past the grace period: left alone.
    assert refunds.refunds_reconcile().settled == 0
    report = refunds.refunds_reconcile(now=timezone.now() + timedelta(minutes=10))
    assert report.settled == 1
    approved.refresh_from_db()
    assert approved.status == RefundRequest.Status.SETTLED
    assert AuditEvent.objects.get(action="cases.refund.settled").actor_label == "system:reconcile"


def test_business_rejection_fails_without_retry(approved):
    simulated_gateway_mode_set(mode="failure")
    assert refunds.refund_payout_send(refund_id=approved.pk) == RefundRequest.Status.FAILED
    approved.refresh_from_db()
    assert approved.attempts == 1 and "suspended" in approved.failure_reason
    # A repeat neither pays nor retries.
    assert refunds.refund_payout_send(refund_id=approved.pk) == RefundRequest.Status.FAILED
    assert RefundRequest.objects.get(pk=approved.pk).attempts == 1


def test_the_task_retries_only_transient_errors():
    from cases.gateway import GatewayRejected
    from cases.tasks import refund_payout_send

    assert GatewayTransientError in refund_payout_send.autoretry_for
    assert GatewayRejected not in refund_payout_send.autoretry_for


def test_unavailable_gateway_leaves_the_refund_sent_for_a_retry(approved):
    simulated_gateway_mode_set(mode="unavailable")
    with pytest.raises(GatewayTransientError):
        refunds.refund_payout_send(refund_id=approved.pk)
    approved.refresh_from_db()
    assert approved.status == RefundRequest.Status.SENT and "503" in approved.last_error
    assert not GatewayLedgerEntry.objects.exists()
    simulated_gateway_mode_set(mode="normal")
    assert refunds.refund_payout_send(refund_id=approved.pk) == RefundRequest.Status.SETTLED


def test_timeout_after_booking_then_retry_pays_once(approved):
    simulated_gateway_mode_set(mode="timeout")
    with pytest.raises(GatewayTransientError):
        refunds.refund_payout_send(refund_id=approved.pk)
    with pytest.raises(GatewayTransientError):
        refunds.refund_payout_send(refund_id=approved.pk)
    simulated_gateway_mode_set(mode="normal")
    assert refunds.refund_payout_send(refund_id=approved.pk) == RefundRequest.Status.SETTLED
    assert GatewayLedgerEntry.objects.count() == 1
    assert RefundRequest.objects.get(pk=approved.pk).attempts == 3


def test_slow_gateway_still_settles(approved):
    simulated_gateway_mode_set(mode="slow", slow_seconds=0.2)
    assert refunds.refund_payout_send(refund_id=approved.pk) == RefundRequest.Status.SETTLED


def test_reconciliation_flags_a_settled_refund_missing_from_the_book(approved):
    refunds.refund_payout_send(refund_id=approved.pk)
    GatewayLedgerEntry.objects.all().delete()  # the gateway's book disagrees
    report = refunds.refunds_reconcile()
    assert report.flagged == 1
    approved.refresh_from_db()
    assert "no matching" in approved.reconcile_issue
    assert refunds.refunds_reconcile().flagged == 0  # flagged once, not on every run
    assert AuditEvent.objects.filter(action="cases.refund.reconcile_flagged").count() == 1


def test_reconciliation_resends_an_approved_refund_whose_task_was_lost(approved):
    report = refunds.refunds_reconcile(now=timezone.now() + timedelta(minutes=10))
    assert report.resent == 1  # eager Celery in tests: the payout ran
    assert RefundRequest.objects.get(pk=approved.pk).status == RefundRequest.Status.SETTLED


def test_reject_needs_a_reason_and_frees_the_case_for_a_new_request(case, analyst, senior):
    refund = refund_for(case, analyst)
    with pytest.raises(CaseActionRefused):
        refunds.refund_request_reject(refund_id=refund.pk, actor=senior, reason="")
    refunds.refund_request_reject(refund_id=refund.pk, actor=senior, reason="계좌 확인 필요")
    assert RefundRequest.objects.get(pk=refund.pk).status == RefundRequest.Status.REJECTED
    with pytest.raises(CaseActionRefused):
        refunds.refund_request_approve(refund_id=refund.pk, actor=senior)
    refund_for(case, analyst, amount=1_000_000)
    assert RefundRequest.objects.filter(case=case).count() == 2


def test_case_cannot_close_while_a_refund_is_pending(case, analyst, senior):
    refund = refund_for(case, analyst)
    with pytest.raises(CaseActionRefused, match="pending"):
        services.case_close(case_id=case.pk, actor=analyst)
    refunds.refund_request_approve(refund_id=refund.pk, actor=senior)
    refunds.refund_payout_send(refund_id=refund.pk)
    services.case_close(case_id=case.pk, actor=analyst)
    assert Case.objects.get(pk=case.pk).status == Case.Status.CLOSED


# --- pages and API -------------------------------------------------------------------------------


def test_refund_pages(case, analyst, senior, compliance, employee, client_for):
    refund = refund_for(case, analyst)
    assert client_for(employee).get("/cases/refunds/").status_code == 403
    page = client_for(compliance).get("/cases/refunds/")
    assert page.status_code == 200 and b"approve-refund" not in page.content
    assert client_for(analyst).post(f"/cases/refunds/{refund.pk}/approve/").status_code == 403
    assert client_for(compliance).post(f"/cases/refunds/{refund.pk}/approve/").status_code == 403
    assert client_for(senior).get(f"/cases/refunds/{refund.pk}/approve/").status_code == 405
    assert client_for(senior).post("/cases/refunds/999999/approve/").status_code == 404
    waiting = client_for(senior).get("/cases/refunds/?waiting=1")
    assert [r.pk for r in waiting.context["page"].object_list] == [refund.pk]
    response = client_for(senior).post(f"/cases/refunds/{refund.pk}/approve/", {"next": "/cases/refunds/"})
    assert response.status_code == 302 and response["Location"] == "/cases/refunds/"
    assert RefundRequest.objects.get(pk=refund.pk).approved_by == senior


def test_refund_api(case, analyst, employee, client_for, api_client):
    refund = refund_for(case, analyst)
    response = client_for(analyst).get(f"/api/refunds/{refund.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "requested" and body["amount"] == 2_500_000 and body["case_id"] == case.pk
    assert client_for(employee).get(f"/api/refunds/{refund.pk}").status_code == 403
    assert api_client.get(f"/api/refunds/{refund.pk}").status_code == 403  # ingest service token
    assert client_for(analyst).get("/api/refunds/999999").status_code == 404
    listing = client_for(analyst).get("/api/refunds?status=requested").json()
    assert [r["id"] for r in listing["items"]] == [refund.pk]
    detail = client_for(analyst).get(f"/api/cases/{case.pk}").json()
    assert detail["status"] == "confirmed_fraud" and detail["refunds"][0]["id"] == refund.pk
    assert client_for(employee).get(f"/api/cases/{case.pk}").status_code == 403
    assert client_for(employee).get("/api/cases").status_code == 403
    assert client_for(analyst).get("/api/cases").json()["count"] == 1
