"""Case, refund and QA writes: each function is one decision a compliance reviewer can follow.

Pattern throughout: read the row, run the declared fsm transition (refuses illegal moves before
anything is written), save (ConcurrentTransitionMixin turns that into `UPDATE … WHERE status = <what
we read>`, so a concurrent actor makes it fail with ConcurrentTransition and the whole transaction
rolls back), write the audit event last in the same transaction, and enqueue/broadcast on commit.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django_fsm import ConcurrentTransition, can_proceed

from alerts.labels import labels_record
from alerts.models import Account, Alert, Customer, Label, Transaction
from audit.services import AuditEntry, audit_record, audit_record_many
from cases.gateway import GatewayRejected, GatewayTransientError, PayoutResult, payment_gateway
from cases.models import (
    Case,
    CaseNote,
    CustomerContact,
    Evidence,
    FraudLabel,
    QaReview,
    RefundRequest,
)

logger = logging.getLogger(__name__)

SEOUL = ZoneInfo("Asia/Seoul")


class CaseActionRefused(Exception):
    """A user-facing refusal: the action is not allowed now; nothing was changed."""


# --- SLA -----------------------------------------------------------------------------------------

# Korean public holidays (fixed list; lunar ones resolved per year). Extend yearly, or replace with
# the bank's own calendar service.
KOREAN_HOLIDAYS: frozenset[date] = frozenset(
    date.fromisoformat(day)
    for day in """
    2025-01-01 2025-01-28 2025-01-29 2025-01-30 2025-03-01 2025-03-03 2025-05-05 2025-05-06 2025-06-03
    2025-06-06 2025-08-15 2025-10-03 2025-10-06 2025-10-07 2025-10-08 2025-10-09 2025-12-25 2026-01-01
    2026-02-16 2026-02-17 2026-02-18 2026-03-01 2026-03-02 2026-05-05 2026-05-24 2026-05-25 2026-06-03
    2026-06-06 2026-08-15 2026-08-17 2026-09-24 2026-09-25 2026-09-26 2026-10-03 2026-10-05 2026-10-09
    2026-12-25 2027-01-01 2027-02-06 2027-02-07 2027-02-08 2027-02-09 2027-03-01 2027-05-05 2027-05-13
    2027-06-06 2027-08-15 2027-08-16 2027-09-14 2027-09-15 2027-09-16 2027-10-03 2027-10-04 2027-10-09
    2027-10-11 2027-12-25 2027-12-27
""".split()  # noqa: SIM905 - a calendar reads better as a block
)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in KOREAN_HOLIDAYS


def sla_deadline(*, reported_at: datetime, business_days: int | None = None) -> datetime:
    """`business_days` Korean business days after the report, at the same Seoul wall-clock time."""
    days = (
        business_days if business_days is not None else getattr(settings, "FDS_REFUND_SLA_BUSINESS_DAYS", 3)
    )
    local = reported_at.astimezone(SEOUL)
    day = local.date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_business_day(day):
            counted += 1
    return datetime.combine(day, local.timetz()).astimezone(SEOUL)


# --- Cases ---------------------------------------------------------------------------------------


def _alert_model_context(alerts: Iterable[Alert]) -> tuple[str, float | None]:
    """The model version and the highest score behind a case's alerts (what the model advised)."""
    best: tuple[str, float | None] = ("", None)
    for alert in alerts:
        score = alert.score
        if best[1] is None or score.score > best[1]:
            best = (score.model_version.name, score.score)
    return best


def case_open(
    *, customer: Customer, actor: User, title: str = "", reported_at: datetime | None = None
) -> Case:
    """Create a case (status open) with its SLA deadline and an audit event.

    Must run inside the caller's transaction (alert escalation adds its alerts in the same one).
    Not idempotent: callers decide whether an existing open case should be reused instead.
    """
    reported = reported_at or timezone.now()
    case = Case.objects.create(
        customer=customer,
        title=title[:200],
        opened_by=actor if actor.is_authenticated else None,
        assigned_to=actor if actor.is_authenticated else None,
        reported_at=reported,
        sla_due_at=sla_deadline(reported_at=reported),
    )
    audit_record(
        action="cases.case.opened",
        target=case,
        actor=actor,
        after={"status": case.status, "customer": customer.external_id, "sla_due_at": case.sla_due_at},
    )
    return case


def case_open_for_customer(*, customer: Customer) -> Case | None:
    """The customer's newest case still being worked (open or investigating), if any."""
    return (
        Case.objects.filter(customer=customer, status__in=Case.OPEN_STATUSES).order_by("-opened_at").first()
    )


def _case_transition(
    *,
    case_id: int,
    actor: User,
    transition: str,
    action: str,
    reason: str = "",
    extra: Callable[[Case], dict[str, Any]] | None = None,
) -> Case:
    """Run one fsm transition as a guarded update with its audit event; refuse and change nothing
    when the transition is illegal from the current state or someone else moved the case first."""
    if not actor.has_perm("cases.work_case"):
        raise CaseActionRefused("You may not work on cases.")
    try:
        with transaction.atomic():
            case = Case.objects.select_related("customer").get(pk=case_id)
            before = {"status": case.status}
            method = getattr(case, transition)
            if not can_proceed(method):
                raise CaseActionRefused(
                    f"A case that is {case.get_status_display()} cannot be moved that way."
                )
            method()
            after_extra = extra(case) if extra is not None else {}
            case.save()
            alerts = list(case.alerts.select_related("score__model_version"))
            model_version, score = _alert_model_context(alerts)
            audit_record(
                action=action,
                target=case,
                actor=actor,
                before=before,
                after={"status": case.status, **after_extra},
                reason=reason,
                model_version=model_version,
                score=score,
            )
    except ConcurrentTransition as exc:
        raise CaseActionRefused(
            "Someone else changed this case at the same moment; reload and retry."
        ) from exc
    return case


def case_start_investigation(*, case_id: int, actor: User) -> Case:
    """open → investigating, and the actor takes the case. Refused from any other state."""

    def take(case: Case) -> dict[str, Any]:
        case.assigned_to = actor  # type: ignore[assignment]
        return {"assigned_to": actor.get_username()}

    return _case_transition(
        case_id=case_id,
        actor=actor,
        transition="start_investigation",
        action="cases.case.investigating",
        extra=take,
    )


def case_transactions(case: Case) -> list[Transaction]:
    """The transactions a case is about: those of its alerts."""
    return list(Transaction.objects.filter(alert__case=case).order_by("occurred_at", "id"))


def _labels_apply(*, case: Case, actor: User, is_fraud: bool, now: datetime) -> list[int]:
    """Write the disposition onto the case's transactions as training labels, with lineage rows."""
    transactions = case_transactions(case)
    source = f"case:{case.pk}:{actor.get_username()}"[:100]
    FraudLabel.objects.bulk_create(
        FraudLabel(
            transaction=tx,
            case=case,
            is_fraud=is_fraud,
            labelled_by=actor,
            labelled_at=now,
            source=source,
            previous_value=tx.is_fraud,
        )
        for tx in transactions
    )
    ids = [tx.pk for tx in transactions]
    Transaction.objects.filter(pk__in=ids).update(is_fraud=is_fraud, labelled_at=now, label_source=source)
    # The model lifecycle's lineage (alerts.labels): what training reads, known from this decision on.
    labels_record(
        transaction_ids=ids,
        is_fraud=is_fraud,
        source=Label.Source.CASE_DECISION,
        reason=case.decision_reason,
        author=actor,
        known_at=now,
        case_id=case.pk,
        update_current=False,
    )
    return ids


def _merchant_labels_after_commit(transaction_ids: list[int]) -> None:
    def feed() -> None:
        try:
            from alerts.services import merchant_label_record  # the lead's: late labels → merchant risk
        except ImportError:
            logger.warning("alerts.services.merchant_label_record is missing; merchant risk not updated")
            return
        merchant_label_record(transaction_ids=transaction_ids)

    if transaction_ids:
        transaction.on_commit(feed)


def case_decide(
    *,
    case_id: int,
    actor: User,
    is_fraud: bool,
    reason: str,
    refund_amount: int | None = None,
    refund_account_id: int | None = None,
) -> Case:
    """investigating → confirmed_fraud or not_fraud, with a reason.

    Side effects in one transaction: the case state and decision fields, training labels on the case's
    transactions (with FraudLabel lineage), the audit event, and — when fraud is confirmed and an
    amount is given — a refund request (see refund_request_create). After commit: late labels feed
    merchant risk. Refused (nothing written) from any state but investigating; not repeatable.
    """
    reason = reason.strip()
    if not reason:
        raise CaseActionRefused("A decision needs a reason.")
    now = timezone.now()
    labelled: list[int] = []

    def decide(case: Case) -> dict[str, Any]:
        case.disposition = Case.Status.CONFIRMED_FRAUD if is_fraud else Case.Status.NOT_FRAUD
        case.decided_by = actor  # type: ignore[assignment]
        case.decided_at = now
        case.decision_reason = reason
        if not is_fraud and case.sla_met_at is None:
            case.sla_met_at = now
        labelled.extend(_labels_apply(case=case, actor=actor, is_fraud=is_fraud, now=now))
        return {"disposition": case.disposition, "labelled_transactions": list(labelled)}

    with transaction.atomic():
        case = _case_transition(
            case_id=case_id,
            actor=actor,
            transition="confirm_fraud" if is_fraud else "mark_not_fraud",
            action="cases.case.confirmed_fraud" if is_fraud else "cases.case.not_fraud",
            reason=reason,
            extra=decide,
        )
        if is_fraud and refund_amount is not None and refund_account_id is not None:
            refund_request_create(
                case_id=case.pk, actor=actor, amount=refund_amount, account_id=refund_account_id
            )
        _merchant_labels_after_commit(labelled)
    return case


def case_close(*, case_id: int, actor: User, reason: str = "") -> Case:
    """confirmed_fraud/not_fraud → closed. Refused while a refund is still on its way."""

    def close(case: Case) -> dict[str, Any]:
        if case.refunds.filter(
            status__in=[
                RefundRequest.Status.REQUESTED,
                RefundRequest.Status.APPROVED,
                RefundRequest.Status.SENT,
            ]
        ).exists():
            raise CaseActionRefused("A refund of this case is still pending; close it once it is settled.")
        case.closed_at = timezone.now()
        if case.sla_met_at is None:
            case.sla_met_at = case.closed_at
        return {}

    return _case_transition(
        case_id=case_id,
        actor=actor,
        transition="close",
        action="cases.case.closed",
        reason=reason,
        extra=close,
    )


def case_reopen(*, case_id: int, actor: User, reason: str) -> Case:
    """A decided or closed case → investigating. Needs a reason; the old disposition stays on record
    (audit, labels) until a new decision replaces it."""
    reason = reason.strip()
    if not reason:
        raise CaseActionRefused("Reopening a case needs a reason.")

    def reopen(case: Case) -> dict[str, Any]:
        previous = case.disposition
        case.closed_at = None
        return {"previous_disposition": previous}

    return _case_transition(
        case_id=case_id,
        actor=actor,
        transition="reopen",
        action="cases.case.reopened",
        reason=reason,
        extra=reopen,
    )


def case_note_add(*, case_id: int, actor: User, body: str) -> CaseNote:
    """Append a note (and its audit event). Not idempotent: each call adds a note."""
    body = body.strip()
    if not actor.has_perm("cases.work_case"):
        raise CaseActionRefused("You may not work on cases.")
    if not body:
        raise CaseActionRefused("A note cannot be empty.")
    if len(body) > 10_000:
        raise CaseActionRefused("A note can hold at most 10,000 characters.")
    with transaction.atomic():
        case = Case.objects.get(pk=case_id)
        note = CaseNote.objects.create(case=case, author=actor, body=body)
        audit_record(
            action="cases.case.note_added", target=case, actor=actor, after={"note_id": note.pk, "body": body}
        )
    return note


def case_contact_record(
    *,
    case_id: int,
    actor: User,
    channel: str,
    outcome: str,
    summary: str = "",
    contacted_at: datetime | None = None,
) -> CustomerContact:
    """Log one customer contact (and its audit event). Not idempotent: each call adds an entry."""
    if not actor.has_perm("cases.work_case"):
        raise CaseActionRefused("You may not work on cases.")
    if channel not in CustomerContact.Channel.values or outcome not in CustomerContact.Outcome.values:
        raise CaseActionRefused("Unknown contact channel or outcome.")
    when = contacted_at or timezone.now()
    if when > timezone.now() + timedelta(minutes=5):
        raise CaseActionRefused("A contact cannot be in the future.")
    with transaction.atomic():
        case = Case.objects.get(pk=case_id)
        contact = CustomerContact.objects.create(
            case=case,
            recorded_by=actor,
            channel=channel,
            outcome=outcome,
            summary=summary.strip(),
            contacted_at=when,
        )
        audit_record(
            action="cases.case.contact_logged",
            target=case,
            actor=actor,
            after={
                "contact_id": contact.pk,
                "channel": channel,
                "outcome": outcome,
                "summary": contact.summary,
            },
        )
    return contact


# --- Evidence ------------------------------------------------------------------------------------

EVIDENCE_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "text/plain": (".txt",),
    "text/csv": (".csv",),
}


def evidence_sniff(*, head: bytes, filename: str) -> str | None:
    """The content type the bytes really are (among the allowed ones) if the name agrees, else None."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if head.startswith(b"%PDF-"):
        sniffed = "application/pdf"
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        sniffed = "image/png"
    elif head.startswith(b"\xff\xd8\xff"):
        sniffed = "image/jpeg"
    else:
        # Text: no NUL bytes and valid UTF-8 (or the Korean legacy encoding) in the sampled head.
        if b"\x00" in head:
            return None
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # The sample may cut a multi-byte character at its end.
            if exc.start < len(head) - 3:
                try:
                    head.decode("cp949")
                except UnicodeDecodeError:
                    return None
        sniffed = "text/csv" if suffix == ".csv" else "text/plain"
    return sniffed if suffix in EVIDENCE_TYPES[sniffed] else None


def case_evidence_add(*, case_id: int, actor: User, upload: UploadedFile, description: str = "") -> Evidence:
    """Store an evidence file after checking its size and its real type (content, not the name).

    Side effects: a file in storage, an Evidence row and an audit event. Not idempotent.
    """
    if not actor.has_perm("cases.work_case"):
        raise CaseActionRefused("You may not work on cases.")
    limit = getattr(settings, "FDS_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
    if upload.size is None or upload.size == 0:
        raise CaseActionRefused("The file is empty.")
    if upload.size > limit:
        raise CaseActionRefused(f"The file is larger than {limit // (1024 * 1024)} MB.")
    name = (upload.name or "evidence").replace("\\", "/").rsplit("/", 1)[-1][:200]
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    content_type = evidence_sniff(head=head, filename=name)
    if content_type is None:
        raise CaseActionRefused(
            "Only PDF, PNG, JPEG, TXT and CSV files whose content matches their name are accepted."
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        case = Case.objects.get(pk=case_id)
        evidence = Evidence(
            case=case,
            uploaded_by=actor,
            original_name=name,
            content_type=content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
            description=description.strip()[:300],
        )
        evidence.file.save(name, upload, save=False)
        try:
            evidence.save()
            audit_record(
                action="cases.case.evidence_added",
                target=case,
                actor=actor,
                after={
                    "evidence_id": evidence.pk,
                    "name": name,
                    "content_type": content_type,
                    "size": evidence.size,
                    "sha256": evidence.sha256,
                },
            )
        except Exception:
            evidence.file.delete(save=False)
            raise
    return evidence


# --- SLA escalation ------------------------------------------------------------------------------


def cases_sla_at_risk(*, now: datetime) -> Any:
    warn = timedelta(hours=getattr(settings, "FDS_SLA_WARN_HOURS", 24))
    return Case.objects.filter(
        sla_met_at__isnull=True, sla_escalated_at__isnull=True, sla_due_at__lte=now + warn
    ).exclude(status=Case.Status.CLOSED)


def cases_sla_escalate(*, now: datetime | None = None) -> list[int]:
    """Flag every case whose refund decision is due within FDS_SLA_WARN_HOURS (default 24 h) and not
    made: sets sla_escalated_at, records `cases.case.sla_escalated`, and after commit e-mails the
    approvers and the assignee. Safe to repeat: a flagged case is never flagged again."""
    now = now or timezone.now()
    escalated: list[int] = []
    for case in cases_sla_at_risk(now=now).select_related("assigned_to"):
        with transaction.atomic():
            won = Case.objects.filter(pk=case.pk, sla_escalated_at__isnull=True).update(sla_escalated_at=now)
            if not won:
                continue
            audit_record(
                action="cases.case.sla_escalated",
                target=case,
                system_actor="system:sla",
                before={"sla_escalated_at": None},
                after={"sla_escalated_at": now, "sla_due_at": case.sla_due_at},
                reason="refund decision due within the warning window",
            )
            transaction.on_commit(lambda case=case: _sla_notify(case))  # type: ignore[misc]
        escalated.append(case.pk)
    return escalated


def _sla_notify(case: Case) -> None:
    approvers = (
        get_user_model()
        .objects.filter(
            Q(groups__permissions__codename="approve_refund")
            | Q(user_permissions__codename="approve_refund"),
            is_active=True,
        )
        .exclude(email="")
    )
    recipients = sorted(
        {u.email for u in approvers}
        | ({case.assigned_to.email} if case.assigned_to and case.assigned_to.email else set())
    )
    if not recipients:
        return
    due = case.sla_due_at.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")
    subject = f"[fdsportal] 사건 #{case.pk} 환급 결정 기한 임박 / Case #{case.pk} refund decision due {due}"
    body = (
        f"사건 #{case.pk}의 환급 결정 기한({due} KST)이 다가옵니다.\n"
        f"The refund decision for case #{case.pk} is due at {due} KST and has not been made."
    )
    send_mass_mail([(subject, body, None, recipients)], fail_silently=True)


# --- Refunds -------------------------------------------------------------------------------------


def refund_four_eyes_threshold() -> int:
    return int(getattr(settings, "FDS_REFUND_FOUR_EYES_KRW", 1_000_000))


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
    grace = timedelta(seconds=getattr(settings, "FDS_REFUND_RECONCILE_GRACE_SECONDS", 120))
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


# --- QA sampling ---------------------------------------------------------------------------------


def qa_sampled(*, alert_id: int) -> bool:
    """Whether a dismissed alert falls into the QA sample (share FDS_QA_SAMPLE_RATE, default 0.1).

    A keyed hash, not a coin toss: the same alert always gets the same answer (repeatable), and
    analysts cannot predict which dismissals will be reviewed.
    """
    rate = float(getattr(settings, "FDS_QA_SAMPLE_RATE", 0.1))
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:qa-sample:{alert_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def qa_sample_dismissed(*, alert: Alert) -> QaReview | None:
    """Put a just-dismissed alert into the QA queue if sampled. Must run inside the dismissal's
    transaction; safe to repeat (one review per alert)."""
    if not qa_sampled(alert_id=alert.pk):
        return None
    review, created = QaReview.objects.get_or_create(alert=alert)
    if created:
        audit_record(
            action="cases.qa.sampled",
            target=review,
            system_actor="system:qa-sampling",
            after={"alert": alert.pk},
        )
    return review


def qa_review_record(*, review_id: int, actor: User, outcome: str, comment: str = "") -> QaReview:
    """A compliance reviewer's verdict on one sampled dismissal. Recorded once; a second attempt is
    refused and changes nothing."""
    if not actor.has_perm("cases.review_qa"):
        raise CaseActionRefused("You may not record QA reviews.")
    if outcome not in QaReview.Outcome.values:
        raise CaseActionRefused("Choose a review outcome.")
    comment = comment.strip()
    if outcome != QaReview.Outcome.AGREE and not comment:
        raise CaseActionRefused("Explain why the dismissal was not right.")
    now = timezone.now()
    with transaction.atomic():
        won = QaReview.objects.filter(pk=review_id, reviewed_at__isnull=True).update(
            outcome=outcome, comment=comment, reviewed_by=actor, reviewed_at=now
        )
        if not won:
            raise CaseActionRefused("This alert was already reviewed.")
        review = QaReview.objects.select_related("alert").get(pk=review_id)
        audit_record(
            action="cases.qa.reviewed",
            target=review,
            actor=actor,
            after={"outcome": outcome, "alert": review.alert_id},
            reason=comment,
        )
    return review
