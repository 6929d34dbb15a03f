"""Races that only a real database with row locks can show: run with DATABASE_URL=postgres://…"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from alerts.models import Alert
from audit.models import AuditEvent
from audit.services import audit_chain_verify
from cases import refunds, services, triage
from cases.errors import CaseActionRefused
from cases.models import Case, GatewayLedgerEntry, RefundRequest
from fdsportal import roles
from tests.factories import alert_make

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(workers: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Start every worker at the same instant (one thread and DB connection each)."""
    barrier = threading.Barrier(len(workers))
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(work: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            value = work()
            with lock:
                results.append(value)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted on by the test
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results, errors


@pytest.fixture
def refund(analyst, broadcasts) -> RefundRequest:
    alert = alert_make(amount=3_000_000)
    triage.alert_escalate(alert_id=alert.pk, actor=analyst)
    case = Case.objects.get(customer=alert.customer)
    services.case_start_investigation(case_id=case.pk, actor=analyst)
    services.case_decide(
        case_id=case.pk,
        actor=analyst,
        is_fraud=True,
        reason="명의도용",
        refund_amount=3_000_000,
        refund_account_id=case.customer.accounts.get().pk,
    )
    return RefundRequest.objects.get(case=case)


def test_fifty_concurrent_approvals_pay_exactly_once(refund, make_user):
    seniors = [make_user(roles.SENIOR_ANALYST, f"senior{i}") for i in range(5)]
    results, errors = race(
        [
            functools.partial(refunds.refund_request_approve, refund_id=refund.pk, actor=seniors[i % 5])
            for i in range(50)
        ]
    )
    assert len(results) == 1, errors[:3]
    assert len(errors) == 49 and all(isinstance(e, CaseActionRefused) for e in errors)
    refund.refresh_from_db()
    assert refund.status == RefundRequest.Status.SETTLED  # the winner's on-commit payout ran
    assert GatewayLedgerEntry.objects.filter(idempotency_key=refund.idempotency_key).count() == 1
    assert AuditEvent.objects.filter(action="cases.refund.approved").count() == 1
    assert AuditEvent.objects.filter(action="cases.refund.settled").count() == 1
    assert audit_chain_verify()[1] == []


def test_payout_task_run_twice_at_once_pays_once(refund, senior, monkeypatch):
    # Approve without running the on-commit payout, then start the task twice (e.g. a redelivery).
    from cases import tasks

    monkeypatch.setattr(tasks.refund_payout_send, "delay", lambda *a, **k: None)
    refunds.refund_request_approve(refund_id=refund.pk, actor=senior)
    results, errors = race([lambda: tasks.refund_payout_send.apply(args=[refund.pk]).get() for _ in range(2)])
    assert errors == [] and results == ["settled", "settled"]
    assert GatewayLedgerEntry.objects.count() == 1
    assert AuditEvent.objects.filter(action="cases.refund.settled").count() == 1


def test_killed_after_gateway_call_then_retried_pays_once_and_reconciles(refund, senior, monkeypatch):
    from cases import tasks

    monkeypatch.setattr(tasks.refund_payout_send, "delay", lambda *a, **k: None)
    refunds.refund_request_approve(refund_id=refund.pk, actor=senior)
    original = refunds.refund_outcome_record

    def killed(**kwargs: Any) -> bool:
        raise SystemExit("worker killed between the gateway call and recording it")

    monkeypatch.setattr(refunds, "refund_outcome_record", killed)
    with pytest.raises(SystemExit):
        refunds.refund_payout_send(refund_id=refund.pk)
    assert RefundRequest.objects.get(pk=refund.pk).status == RefundRequest.Status.SENT
    monkeypatch.setattr(refunds, "refund_outcome_record", original)
    # The message is redelivered (acks_late) and the task runs again, twice for good measure.
    results, errors = race([lambda: refunds.refund_payout_send(refund_id=refund.pk) for _ in range(2)])
    assert errors == [] and results == ["settled", "settled"]
    assert GatewayLedgerEntry.objects.count() == 1
    report = refunds.refunds_reconcile(now=timezone.now() + timedelta(minutes=10))
    assert report.confirmed == 1 and report.flagged == 0
    assert RefundRequest.objects.get(pk=refund.pk).status == RefundRequest.Status.SETTLED


def test_two_analysts_claim_at_once_one_wins(analyst, make_user, broadcasts):
    kim = make_user(roles.FRAUD_ANALYST, "kim")
    alert = alert_make()
    results, errors = race(
        [functools.partial(triage.alert_claim, alert_id=alert.pk, actor=u) for u in (analyst, kim) * 5]
    )
    assert len(results) == 1 and len(errors) == 9
    assert all(isinstance(e, triage.TriageRefused) for e in errors)
    assert AuditEvent.objects.filter(action="alerts.alert.claimed").count() == 1
    assert Alert.objects.get(pk=alert.pk).assigned_to == results[0].assigned_to


def test_dismiss_and_escalate_at_once_one_wins(analyst, broadcasts):
    alert = alert_make()
    results, errors = race(
        [
            lambda: triage.alert_dismiss(alert_id=alert.pk, actor=analyst, reason_code="duplicate"),
            lambda: triage.alert_escalate(alert_id=alert.pk, actor=analyst),
        ]
    )
    assert len(results) == 1 and len(errors) == 1
    final = Alert.objects.get(pk=alert.pk)
    assert final.status == results[0].status
    # A losing escalation leaves no orphan case behind.
    assert Case.objects.count() == (1 if final.status == Alert.Status.ESCALATED else 0)


def test_concurrent_case_decisions_one_wins(analyst, make_user, broadcasts):
    kim = make_user(roles.FRAUD_ANALYST, "kim")
    alert = alert_make()
    triage.alert_escalate(alert_id=alert.pk, actor=analyst)
    case = Case.objects.get()
    services.case_start_investigation(case_id=case.pk, actor=analyst)
    results, errors = race(
        [
            lambda: services.case_decide(case_id=case.pk, actor=analyst, is_fraud=True, reason="a"),
            lambda: services.case_decide(case_id=case.pk, actor=kim, is_fraud=False, reason="b"),
        ]
    )
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], CaseActionRefused)
    case.refresh_from_db()
    assert case.status == results[0].status
    assert (
        AuditEvent.objects.filter(action__in=["cases.case.confirmed_fraud", "cases.case.not_fraud"]).count()
        == 1
    )
