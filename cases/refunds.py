"""Refunds: request, four-eyes approval, rejection, payout through the gateway, reconciliation.

Money moves once: every payout carries an idempotency key, state changes are status-guarded, and the
gateway is called outside the database transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from alerts.models import Account, Customer, Transaction
from audit.models import AuditEvent
from audit.services import AuditEntry, audit_record, audit_record_many
from cases.calendar import SEOUL
from cases.errors import CaseActionRefused
from cases.gateway import (
    GatewayRejected,
    GatewayTransientError,
    PaymentGateway,
    PayoutResult,
    payment_gateway,
)
from cases.models import (
    Case,
    RefundRequest,
)

# --- Refunds -------------------------------------------------------------------------------------

# Every audited act that decides a case. Four-eyes is checked against all of them, at any time: a
# fact recorded once on the refund (who confirmed when it was requested) goes stale on a reopen.
CASE_DECISION_ACTIONS = ("cases.case.confirmed_fraud", "cases.case.not_fraud", "cases.case.reopened")


def refund_four_eyes_threshold() -> int:
    return int(settings.FDS_REFUND_FOUR_EYES_KRW)


def _case_deciders(case_id: int) -> QuerySet[AuditEvent]:
    """Audit events of people deciding or reopening the case (the append-only history, not a field)."""
    return AuditEvent.objects.filter(
        target_type="cases.case", target_id=str(case_id), action__in=CASE_DECISION_ACTIONS
    )


def case_decider_ids(*, case_id: int) -> set[int]:
    """Everyone who ever confirmed, decided not-fraud or reopened the case."""
    return {pk for pk in _case_deciders(case_id).values_list("actor_id", flat=True) if pk is not None}


def _four_eyes_refusal(*, refund: RefundRequest, actor: User) -> str | None:
    if actor.pk == refund.requested_by_id:
        return gettext("Four-eyes rule: whoever requested the refund cannot decide it.")
    if actor.pk == refund.confirmed_by_id or actor.pk in case_decider_ids(case_id=refund.case_id):
        return gettext("Four-eyes rule: whoever decided or reopened the case cannot decide its refund.")
    return None


def _enqueue_payout(refund_id: int) -> None:
    from cases.tasks import refund_payout_send as task  # tasks import services

    # robust: the approval is committed whatever the broker says; reconciliation re-enqueues refunds
    # left approved, so a lost enqueue delays the payout but never loses it.
    transaction.on_commit(lambda: task.delay(refund_id), robust=True)


def refunds_cancel_for_case(*, case_id: int, actor: User | None, why: str) -> list[int]:
    """Cancel the case's refunds that have not reached the gateway (requested or approved), each with
    a `cases.refund.cancelled` event. Must run in the transaction that reopens or re-decides the case.
    Safe to repeat: a cancelled refund is not cancelled again. Returns the ids cancelled."""
    cancelled: list[int] = []
    stoppable = RefundRequest.objects.select_for_update().filter(
        case_id=case_id, status__in=RefundRequest.CANCELLABLE_STATUSES
    )
    for refund in stoppable:
        before = refund.status
        refund.cancel()
        refund.decision_reason = why[:4000]
        refund.save()
        audit_record(
            action="cases.refund.cancelled",
            target=refund,
            actor=actor,
            system_actor="system:payout",
            before={"status": before},
            after={"status": refund.status, "amount": refund.amount},
            reason=why,
        )
        cancelled.append(refund.pk)
    return cancelled


def _customer_refunded_today(*, customer_id: int, now: datetime) -> int:
    """KRW of the customer's refunds requested on today's Seoul calendar day that are paid, being
    paid, or may still be paid (split requests count together against the four-eyes threshold)."""
    local = now.astimezone(SEOUL)
    start = datetime.combine(local.date(), time.min, tzinfo=SEOUL)
    total = (
        RefundRequest.objects.filter(
            case__customer_id=customer_id, requested_at__gte=start, requested_at__lt=start + timedelta(days=1)
        )
        .exclude(
            status__in=[
                RefundRequest.Status.REJECTED,
                RefundRequest.Status.CANCELLED,
                RefundRequest.Status.FAILED,
            ]
        )
        .aggregate(total=Sum("amount"))["total"]
    )
    return int(total or 0)


def refund_request_create(*, case_id: int, actor: User, amount: int, account_id: int) -> RefundRequest:
    """Open a refund for a confirmed-fraud case, paid to one of the customer's accounts.

    When the customer's refunds of the day (this one included) stay at or below
    FDS_REFUND_FOUR_EYES_KRW it is approved at once (recorded as a system approval) and the payout is
    enqueued after commit; above it waits for a second person. The customer row is locked, so two
    small requests at once cannot both slip under the threshold. Refused while another refund of the
    case is live (database constraint), while an earlier one may have been paid (flagged by the
    reconciliation), above the case's fraud total, or to a foreign account.
    """
    if not actor.has_perm("cases.request_refund"):
        raise CaseActionRefused(_("You may not request refunds."))
    try:
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=case_id)
            if case.status != Case.Status.CONFIRMED_FRAUD:
                raise CaseActionRefused(_("Only a case with confirmed fraud can be refunded."))
            # Serialises every refund request of this customer (the daily four-eyes sum).
            Customer.objects.select_for_update().filter(pk=case.customer_id).first()
            account = Account.objects.filter(pk=account_id, customer_id=case.customer_id).first()
            if account is None:
                raise CaseActionRefused(_("The destination must be one of the customer's own accounts."))
            if case.refunds.exclude(reconcile_issue="").filter(status=RefundRequest.Status.FAILED).exists():
                raise CaseActionRefused(
                    gettext("An earlier refund of this case may have been paid; resolve it first.")
                )
            total = Transaction.objects.filter(alert__case=case).aggregate(total=Sum("amount"))["total"] or 0
            if amount <= 0 or amount > total:
                raise CaseActionRefused(
                    _("The amount must be between 1원 and %(total)s원 (the case's total).")
                    % {"total": f"{total:,}"}
                )
            threshold = refund_four_eyes_threshold()
            now = timezone.now()
            day_total = _customer_refunded_today(customer_id=case.customer_id, now=now) + amount
            refund = RefundRequest.objects.create(
                case=case,
                amount=amount,
                destination_account=account,
                requested_by=actor,
                requested_at=now,
                confirmed_by=case.decided_by or actor,
                needs_second_approval=day_total > threshold,
            )
            entries = [
                AuditEntry(
                    action="cases.refund.requested",
                    target=refund,
                    actor=actor,
                    after={
                        "status": refund.status,
                        "amount": amount,
                        "account": account.external_id,
                        "case": case.pk,
                        "idempotency_key": str(refund.idempotency_key),
                        "needs_second_approval": refund.needs_second_approval,
                        "customer_refunds_today": day_total,
                    },
                )
            ]
            if not refund.needs_second_approval:
                refund.approve()
                refund.approved_at = timezone.now()
                refund.save()
                Case.objects.filter(pk=case.pk, sla_met_at__isnull=True).update(sla_met_at=refund.approved_at)
                entries.append(
                    AuditEntry(
                        action="cases.refund.approved",
                        target=refund,
                        system_actor="system:four-eyes-threshold",
                        before={"status": RefundRequest.Status.REQUESTED},
                        after={"status": refund.status},
                        reason=f"the customer's refunds today ({day_total:,} KRW) are at or below the "
                        f"four-eyes threshold {threshold:,} KRW",
                    )
                )
                _enqueue_payout(refund.pk)
            audit_record_many(entries)
    except IntegrityError as exc:
        raise CaseActionRefused(_("This case already has a refund in progress.")) from exc
    return refund


def _refund_decision_lock(*, refund_id: int, actor: User) -> tuple[Case, RefundRequest]:
    """Lock the case, then the refund (always in that order: reopen locks the case first too), and
    refuse unless the case is confirmed fraud now and the actor passes four-eyes."""
    case_id = RefundRequest.objects.values_list("case_id", flat=True).get(pk=refund_id)
    case = Case.objects.select_for_update().get(pk=case_id)
    refund = RefundRequest.objects.select_for_update().get(pk=refund_id)
    if refund.status != RefundRequest.Status.REQUESTED:
        raise CaseActionRefused(
            _("This refund is already %(status)s.") % {"status": refund.get_status_display()}
        )
    if case.status != Case.Status.CONFIRMED_FRAUD:
        raise CaseActionRefused(
            gettext("The case is no longer confirmed fraud; the refund cannot be decided.")
        )
    refusal = _four_eyes_refusal(refund=refund, actor=actor)
    if refusal:
        raise CaseActionRefused(refusal)
    return case, refund


def refund_request_approve(*, refund_id: int, actor: User, reason: str = "") -> RefundRequest:
    """requested → approved by a second person, then the payout is enqueued after commit.

    Needs the case confirmed fraud now, and an approver who neither requested the refund nor ever
    decided or reopened the case (from its audit history). Checked under the case and refund row
    locks, then again inside the UPDATE itself (a row-count-checked conditional update) and by the
    database's four-eyes constraints. Of many concurrent approvals exactly one wins.
    """
    if not actor.has_perm("cases.approve_refund"):
        raise CaseActionRefused(_("You may not approve refunds."))
    reason = reason.strip()
    with transaction.atomic():
        case, refund = _refund_decision_lock(refund_id=refund_id, actor=actor)
        now = timezone.now()
        won = (
            RefundRequest.objects.filter(pk=refund.pk, status=RefundRequest.Status.REQUESTED)
            .exclude(requested_by=actor)
            .exclude(Exists(_case_deciders(case.pk).filter(actor_id=actor.pk).values("pk")[:1]))
            .update(
                status=RefundRequest.Status.APPROVED,
                approved_by=actor,
                approved_at=now,
                decision_reason=reason,
            )
        )
        if won != 1:
            raise CaseActionRefused(_("This refund was decided by someone else a moment ago."))
        refund.refresh_from_db()
        Case.objects.filter(pk=case.pk, sla_met_at__isnull=True).update(sla_met_at=now)
        audit_record(
            action="cases.refund.approved",
            target=refund,
            actor=actor,
            before={"status": RefundRequest.Status.REQUESTED},
            after={"status": refund.status, "amount": refund.amount},
            reason=reason,
        )
        _enqueue_payout(refund.pk)
    return refund


def refund_request_reject(*, refund_id: int, actor: User, reason: str) -> RefundRequest:
    """requested → rejected by an approver, with a reason. The case may then request a new refund.
    Same four-eyes rule as approving."""
    if not actor.has_perm("cases.approve_refund"):
        raise CaseActionRefused(_("You may not decide refunds."))
    reason = reason.strip()
    if not reason:
        raise CaseActionRefused(_("Rejecting a refund needs a reason."))
    try:
        with transaction.atomic():
            _case, refund = _refund_decision_lock(refund_id=refund_id, actor=actor)
            refund.reject()
            refund.decision_reason = reason
            refund.save()
            Case.objects.filter(pk=refund.case_id, sla_met_at__isnull=True).update(sla_met_at=timezone.now())
            audit_record(
                action="cases.refund.rejected",
                target=refund,
                actor=actor,
                before={"status": RefundRequest.Status.REQUESTED},
                after={"status": refund.status},
                reason=reason,
            )
    except ConcurrentTransition as exc:
        raise CaseActionRefused(_("This refund was decided by someone else a moment ago.")) from exc
    return refund


def _refund_mark_sent(refund_id: int) -> RefundRequest | None:
    """approved → sent, once, while the case is still confirmed fraud (else the refund is cancelled).
    Returns the refund if it is (now) sent or pending, None if it is final or never to be paid."""
    with transaction.atomic():
        case_id = RefundRequest.objects.values_list("case_id", flat=True).get(pk=refund_id)
        # Same lock order as reopening: a reopen either sees this refund sent, or this sees the reopen.
        case = Case.objects.select_for_update().get(pk=case_id)
        refund = RefundRequest.objects.select_for_update().get(pk=refund_id)
        if refund.status == RefundRequest.Status.APPROVED and case.status != Case.Status.CONFIRMED_FRAUD:
            refunds_cancel_for_case(
                case_id=case_id, actor=None, why=f"the case is {case.status}, no longer confirmed fraud"
            )
        elif refund.status == RefundRequest.Status.APPROVED:
            refund.mark_sent()
            refund.sent_at = timezone.now()
            refund.save()
            audit_record(
                action="cases.refund.sent",
                target=refund,
                system_actor="system:payout",
                before={"status": RefundRequest.Status.APPROVED},
                after={"status": refund.status, "idempotency_key": str(refund.idempotency_key)},
            )
    refund = RefundRequest.objects.select_related("destination_account").get(pk=refund_id)
    return refund if refund.status in RefundRequest.IN_FLIGHT_STATUSES else None


def refund_outcome_record(
    *,
    refund_id: int,
    outcome: str,
    reference: str = "",
    message: str = "",
    system_actor: str = "system:payout",
) -> bool:
    """sent/pending → settled, failed or pending (outcome), with the audit event. Returns False (and
    writes nothing but the last error) when the outcome was already recorded: safe to repeat."""
    with transaction.atomic():
        refund = RefundRequest.objects.select_for_update().get(pk=refund_id)
        before = refund.status
        if before not in RefundRequest.IN_FLIGHT_STATUSES:
            return False
        now = timezone.now()
        if outcome == RefundRequest.Status.SETTLED:
            refund.mark_settled()
            refund.settled_at = now
            refund.gateway_reference = reference
        elif outcome == RefundRequest.Status.FAILED:
            refund.mark_failed()
            refund.failed_at = now
            refund.failure_reason = message
        elif before == RefundRequest.Status.PENDING:
            # Still unknown: note the latest answer, no new event on every retry.
            RefundRequest.objects.filter(pk=refund_id).update(last_error=message[:500])
            return False
        else:
            refund.mark_pending()
            refund.last_error = message[:500]
            refund.gateway_reference = reference
        refund.save()
        audit_record(
            action=f"cases.refund.{refund.status}",
            target=refund,
            system_actor=system_actor,
            before={"status": before},
            after={"status": refund.status, "gateway_reference": reference, "amount": refund.amount},
            reason=message,
        )
    return True


def _gateway_outcome(result: PayoutResult) -> str:
    # Only the two final answers are final; anything else ("pending", a status this adapter does not
    # know) means the money may still move, so the refund stays pending until reconciled.
    if result.status == "settled":
        return RefundRequest.Status.SETTLED
    if result.status == "rejected":
        return RefundRequest.Status.FAILED
    return RefundRequest.Status.PENDING


def refund_payout_send(*, refund_id: int) -> str:
    """Pay an approved refund through the gateway and record the outcome; returns the status.

    Steps: approved → sent (guarded, audited; cancelled instead if the case is no longer confirmed
    fraud); gateway payout with the refund's own idempotency key, outside any transaction (slow I/O);
    then settled, failed (a business rejection) or pending (the gateway said "pending", or gave no
    answer: timeout, 5xx). Safe to repeat and to run concurrently: a sent or pending refund is re-sent
    with the same key, which the gateway pays at most once. Raises GatewayTransientError (to be
    retried) after recording the refund as pending.
    """
    refund = _refund_mark_sent(refund_id)
    if refund is None:
        return RefundRequest.objects.get(pk=refund_id).status
    RefundRequest.objects.filter(pk=refund_id).update(attempts=F("attempts") + 1)
    try:
        result = payment_gateway().payout(
            idempotency_key=refund.idempotency_key,
            account_external_id=refund.destination_account.external_id,
            amount=refund.amount,
        )
    except GatewayRejected as exc:
        refund_outcome_record(refund_id=refund_id, outcome=RefundRequest.Status.FAILED, message=str(exc))
        return RefundRequest.Status.FAILED
    except GatewayTransientError as exc:
        refund_outcome_record(refund_id=refund_id, outcome=RefundRequest.Status.PENDING, message=str(exc))
        raise
    refund_outcome_record(
        refund_id=refund_id,
        outcome=_gateway_outcome(result),
        reference=result.reference,
        message=result.message,
    )
    return RefundRequest.objects.get(pk=refund_id).status


@dataclass
class ReconcileReport:
    settled: int = 0
    failed: int = 0
    resent: int = 0
    confirmed: int = 0
    flagged: int = 0
    pending: int = 0


def _refund_flag(refund: RefundRequest, issue: str) -> bool:
    with transaction.atomic():
        won = (
            RefundRequest.objects.filter(pk=refund.pk)
            .exclude(reconcile_issue=issue)
            .update(reconcile_issue=issue)
        )
        if won:
            audit_record(
                action="cases.refund.reconcile_flagged",
                target=refund,
                system_actor="system:reconcile",
                after={"status": refund.status, "issue": issue},
            )
    return bool(won)


def _book(gateway: PaymentGateway, refund: RefundRequest) -> PayoutResult | None | bool:
    """The gateway's record for the refund's key; False when the gateway cannot be asked now."""
    try:
        return gateway.payout_status(idempotency_key=refund.idempotency_key)
    except GatewayTransientError:
        return False


def refunds_in_flight_resolve(
    *, now: datetime | None = None, report: ReconcileReport | None = None
) -> ReconcileReport:
    """Drive every pending refund (and every sent one past the grace period) towards a final state.

    The gateway's record for the refund's key settles or fails it; "pending" leaves it pending for the
    next run; no record means the payout never reached the gateway, so it is re-sent with the same
    key (pays at most once). Safe to repeat; gateway outages leave rows for the next run.
    """
    now = now or timezone.now()
    report = report or ReconcileReport()
    grace = timedelta(seconds=settings.FDS_REFUND_RECONCILE_GRACE_SECONDS)
    gateway = payment_gateway()
    in_flight = RefundRequest.objects.filter(
        Q(status=RefundRequest.Status.PENDING) | Q(status=RefundRequest.Status.SENT, sent_at__lte=now - grace)
    )
    for refund in in_flight:
        entry = _book(gateway, refund)
        if entry is False:
            continue
        if entry is None:
            from cases.tasks import refund_payout_send as task

            task.delay(refund.pk)
            report.resent += 1
            continue
        assert isinstance(entry, PayoutResult)
        outcome = _gateway_outcome(entry)
        recorded = refund_outcome_record(
            refund_id=refund.pk,
            outcome=outcome,
            reference=entry.reference,
            message=entry.message or f"gateway: {entry.status}",
            system_actor="system:reconcile",
        )
        if outcome == RefundRequest.Status.PENDING:
            report.pending += 1
        elif recorded and outcome == RefundRequest.Status.SETTLED:
            report.settled += 1
        elif recorded:
            report.failed += 1
    return report


def refunds_reconcile(*, now: datetime | None = None) -> ReconcileReport:
    """Compare our refund states with the gateway's book, fix what the book decides, flag the rest.

    - sent (past the grace period) or pending: see refunds_in_flight_resolve;
    - approved but never sent (a lost task): re-enqueued;
    - settled, not yet reconciled: confirmed against the book, or flagged on a missing or different entry;
    - failed, yet paid in the book: flagged (money moved; a human must look).
    Safe to repeat. Gateway outages leave rows for the next run.
    """
    now = now or timezone.now()
    grace = timedelta(seconds=settings.FDS_REFUND_RECONCILE_GRACE_SECONDS)
    gateway = payment_gateway()
    report = refunds_in_flight_resolve(now=now)
    for refund in RefundRequest.objects.filter(
        status=RefundRequest.Status.APPROVED, approved_at__lte=now - grace
    ):
        from cases.tasks import refund_payout_send as task

        task.delay(refund.pk)
        report.resent += 1
    for refund in RefundRequest.objects.filter(
        status=RefundRequest.Status.SETTLED, reconciled_at__isnull=True
    ):
        entry = _book(gateway, refund)
        if entry is False:
            continue
        if isinstance(entry, PayoutResult) and entry.status == "settled" and entry.amount == refund.amount:
            with transaction.atomic():
                if RefundRequest.objects.filter(pk=refund.pk, reconciled_at__isnull=True).update(
                    reconciled_at=now, reconcile_issue=""
                ):
                    audit_record(
                        action="cases.refund.reconciled",
                        target=refund,
                        system_actor="system:reconcile",
                        after={
                            "status": refund.status,
                            "gateway_reference": entry.reference,
                            "amount": entry.amount,
                        },
                    )
                    report.confirmed += 1
        elif _refund_flag(refund, "settled here, but the gateway's book has no matching settled payout"):
            report.flagged += 1
    for refund in RefundRequest.objects.filter(status=RefundRequest.Status.FAILED, reconcile_issue=""):
        entry = _book(gateway, refund)
        paid = isinstance(entry, PayoutResult) and entry.status in ("settled", "pending")
        if paid and _refund_flag(refund, "failed here, but the gateway's book shows it paid or pending"):
            report.flagged += 1
    return report
