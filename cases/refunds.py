"""Refunds: request, four-eyes approval, rejection, payout through the gateway, reconciliation.

Money moves once: every payout carries an idempotency key, state changes are status-guarded, and the
gateway is called outside the database transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django_fsm import ConcurrentTransition, can_proceed

from alerts.models import Account, Transaction
from audit.services import AuditEntry, audit_record, audit_record_many
from cases.errors import CaseActionRefused
from cases.gateway import GatewayRejected, GatewayTransientError, PayoutResult, payment_gateway
from cases.models import (
    Case,
    RefundRequest,
)

# --- Refunds -------------------------------------------------------------------------------------


def refund_four_eyes_threshold() -> int:
    return int(settings.FDS_REFUND_FOUR_EYES_KRW)


def _enqueue_payout(refund_id: int) -> None:
    from cases.tasks import refund_payout_send as task  # tasks import services

    # robust: the approval is committed whatever the broker says; reconciliation re-enqueues refunds
    # left approved, so a lost enqueue delays the payout but never loses it.
    transaction.on_commit(lambda: task.delay(refund_id), robust=True)


def refund_request_create(*, case_id: int, actor: User, amount: int, account_id: int) -> RefundRequest:
    """Open a refund for a confirmed-fraud case, paid to one of the customer's accounts.

    At or below FDS_REFUND_FOUR_EYES_KRW it is approved at once (recorded as a system approval) and the
    payout is enqueued after commit; above it waits for a second person. Refused while another refund
    of the case is live (database constraint), above the case's fraud total, or to a foreign account.
    """
    if not actor.has_perm("cases.request_refund"):
        raise CaseActionRefused("You may not request refunds.")
    try:
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=case_id)
            if case.status != Case.Status.CONFIRMED_FRAUD:
                raise CaseActionRefused("Only a case with confirmed fraud can be refunded.")
            account = Account.objects.filter(pk=account_id, customer_id=case.customer_id).first()
            if account is None:
                raise CaseActionRefused("The destination must be one of the customer's own accounts.")
            total = Transaction.objects.filter(alert__case=case).aggregate(total=Sum("amount"))["total"] or 0
            if amount <= 0 or amount > total:
                raise CaseActionRefused(f"The amount must be between 1 and {total:,} KRW (the case's total).")
            threshold = refund_four_eyes_threshold()
            refund = RefundRequest.objects.create(
                case=case,
                amount=amount,
                destination_account=account,
                requested_by=actor,
                confirmed_by=case.decided_by or actor,
                needs_second_approval=amount > threshold,
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
                        reason=f"amount {amount:,} KRW at or below the four-eyes threshold {threshold:,} KRW",
                    )
                )
                _enqueue_payout(refund.pk)
            audit_record_many(entries)
    except IntegrityError as exc:
        raise CaseActionRefused("This case already has a refund in progress.") from exc
    return refund


def refund_request_approve(*, refund_id: int, actor: User, reason: str = "") -> RefundRequest:
    """requested → approved by a second person, then the payout is enqueued after commit.

    Four-eyes: refused for whoever requested the refund or confirmed the fraud (also a DB constraint).
    Of many concurrent approvals exactly one wins; the others are refused and change nothing.
    """
    if not actor.has_perm("cases.approve_refund"):
        raise CaseActionRefused("You may not approve refunds.")
    try:
        with transaction.atomic():
            refund = RefundRequest.objects.get(pk=refund_id)
            if actor.pk in (refund.requested_by_id, refund.confirmed_by_id):
                raise CaseActionRefused(
                    "Four-eyes rule: whoever confirmed the fraud or requested the refund cannot approve it."
                )
            if not can_proceed(refund.approve):
                raise CaseActionRefused(f"This refund is already {refund.get_status_display()}.")
            refund.approve()
            refund.approved_by = actor  # type: ignore[assignment]
            refund.approved_at = timezone.now()
            refund.decision_reason = reason.strip()
            refund.save()
            Case.objects.filter(pk=refund.case_id, sla_met_at__isnull=True).update(
                sla_met_at=refund.approved_at
            )
            audit_record(
                action="cases.refund.approved",
                target=refund,
                actor=actor,
                before={"status": RefundRequest.Status.REQUESTED},
                after={"status": refund.status, "amount": refund.amount},
                reason=refund.decision_reason,
            )
            _enqueue_payout(refund.pk)
    except ConcurrentTransition as exc:
        raise CaseActionRefused("This refund was decided by someone else a moment ago.") from exc
    return refund


def refund_request_reject(*, refund_id: int, actor: User, reason: str) -> RefundRequest:
    """requested → rejected by an approver, with a reason. The case may then request a new refund."""
    if not actor.has_perm("cases.approve_refund"):
        raise CaseActionRefused("You may not decide refunds.")
    reason = reason.strip()
    if not reason:
        raise CaseActionRefused("Rejecting a refund needs a reason.")
    try:
        with transaction.atomic():
            refund = RefundRequest.objects.get(pk=refund_id)
            if actor.pk in (refund.requested_by_id, refund.confirmed_by_id):
                raise CaseActionRefused("Four-eyes rule: decide someone else's refund, not your own.")
            if not can_proceed(refund.reject):
                raise CaseActionRefused(f"This refund is already {refund.get_status_display()}.")
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
        raise CaseActionRefused("This refund was decided by someone else a moment ago.") from exc
    return refund


def _refund_mark_sent(refund_id: int) -> RefundRequest | None:
    """approved → sent, once. Returns the refund if it is (now) sent, None if it is past or before that."""
    try:
        with transaction.atomic():
            refund = RefundRequest.objects.get(pk=refund_id)
            if refund.status == RefundRequest.Status.APPROVED:
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
    except ConcurrentTransition:
        pass  # a concurrent run moved it first; re-read below
    refund = RefundRequest.objects.select_related("destination_account").get(pk=refund_id)
    return refund if refund.status == RefundRequest.Status.SENT else None


def refund_outcome_record(
    *,
    refund_id: int,
    settled: bool,
    reference: str = "",
    message: str = "",
    system_actor: str = "system:payout",
) -> bool:
    """sent → settled or failed, with the audit event. Returns False (and writes nothing) when the
    outcome was already recorded by another run: safe to repeat."""
    try:
        with transaction.atomic():
            refund = RefundRequest.objects.get(pk=refund_id)
            if refund.status != RefundRequest.Status.SENT:
                return False
            now = timezone.now()
            if settled:
                refund.mark_settled()
                refund.settled_at = now
                refund.gateway_reference = reference
            else:
                refund.mark_failed()
                refund.failed_at = now
                refund.failure_reason = message
            refund.save()
            audit_record(
                action="cases.refund.settled" if settled else "cases.refund.failed",
                target=refund,
                system_actor=system_actor,
                before={"status": RefundRequest.Status.SENT},
                after={"status": refund.status, "gateway_reference": reference, "amount": refund.amount},
                reason=message,
            )
    except ConcurrentTransition:
        return False
    return True


def refund_payout_send(*, refund_id: int) -> str:
    """Pay an approved refund through the gateway and record the outcome; returns the final status.

    Steps: approved → sent (guarded, audited); gateway payout with the refund's idempotency key,
    outside any transaction (slow I/O); sent → settled/failed (guarded, audited). Safe to repeat and
    to run concurrently: a sent refund is re-sent with the same key, which the gateway pays at most
    once, so a worker that died between the gateway call and the recording is healed by a retry.
    Raises GatewayTransientError (to be retried); business rejections become `failed`, not errors.
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
        refund_outcome_record(refund_id=refund_id, settled=False, message=str(exc))
        return RefundRequest.Status.FAILED
    except GatewayTransientError as exc:
        RefundRequest.objects.filter(pk=refund_id).update(last_error=str(exc)[:500])
        raise
    refund_outcome_record(
        refund_id=refund_id,
        settled=result.status == "settled",
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


def refunds_reconcile(*, now: datetime | None = None) -> ReconcileReport:
    """Compare our refund states with the gateway's book, fix what the book decides, flag the rest.

    - sent (for longer than the grace period): the gateway's record settles or fails it; no record
      means the payout never reached the gateway, so it is re-sent (same key: pays at most once);
    - approved but never sent (a lost task): re-enqueued;
    - settled, not yet reconciled: confirmed against the book, or flagged on a missing or different entry;
    - failed, yet paid in the book: flagged (money moved; a human must look).
    Safe to repeat. Gateway outages leave rows for the next run.
    """
    now = now or timezone.now()
    grace = timedelta(seconds=settings.FDS_REFUND_RECONCILE_GRACE_SECONDS)
    gateway = payment_gateway()
    report = ReconcileReport()

    def book(refund: RefundRequest) -> PayoutResult | None | bool:
        try:
            return gateway.payout_status(idempotency_key=refund.idempotency_key)
        except GatewayTransientError:
            return False

    for refund in RefundRequest.objects.filter(status=RefundRequest.Status.SENT, sent_at__lte=now - grace):
        entry = book(refund)
        if entry is False:
            continue
        if entry is None:
            from cases.tasks import refund_payout_send as task

            task.delay(refund.pk)
            report.resent += 1
        elif isinstance(entry, PayoutResult):
            settled = entry.status == "settled"
            if refund_outcome_record(
                refund_id=refund.pk,
                settled=settled,
                reference=entry.reference,
                message=entry.message,
                system_actor="system:reconcile",
            ):
                if settled:
                    report.settled += 1
                else:
                    report.failed += 1
    for refund in RefundRequest.objects.filter(
        status=RefundRequest.Status.APPROVED, approved_at__lte=now - grace
    ):
        from cases.tasks import refund_payout_send as task

        task.delay(refund.pk)
        report.resent += 1
    for refund in RefundRequest.objects.filter(
        status=RefundRequest.Status.SETTLED, reconciled_at__isnull=True
    ):
        entry = book(refund)
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
        entry = book(refund)
        paid = isinstance(entry, PayoutResult) and entry.status == "settled"
        if paid and _refund_flag(refund, "failed here, but the gateway's book shows it paid"):
            report.flagged += 1
    return report
