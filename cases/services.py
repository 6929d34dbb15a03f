"""The case lifecycle: open, investigate, decide, close, reopen, notes and customer contacts.

Pattern throughout: read the row, run the declared fsm transition (refuses illegal moves before
anything is written), save (ConcurrentTransitionMixin turns that into `UPDATE … WHERE status = <what
we read>`, so a concurrent actor makes it fail with ConcurrentTransition and the whole transaction
rolls back), write the audit event last in the same transaction, and enqueue/broadcast on commit.
Refunds, evidence, the SLA escalation and QA sampling have their own modules beside this one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from alerts.labels import labels_record
from alerts.models import Alert, Customer, Label, Transaction
from alerts.services import merchant_label_record
from audit.services import audit_record
from cases.calendar import sla_deadline
from cases.errors import CaseActionRefused
from cases.models import (
    Case,
    CaseNote,
    CustomerContact,
    FraudLabel,
    RefundRequest,
)
from cases.refunds import refund_request_create, refunds_cancel_for_case

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
        raise CaseActionRefused(_("You may not work on cases."))
    try:
        with transaction.atomic():
            case = Case.objects.select_related("customer").get(pk=case_id)
            before = {"status": case.status}
            method = getattr(case, transition)
            if not can_proceed(method):
                raise CaseActionRefused(
                    _("A case that is %(status)s cannot be moved that way.")
                    % {"status": case.get_status_display()}
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
            _("Someone else changed this case at the same moment; reload and retry.")
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
    """After commit, feed the late labels into merchant risk (alerts.services.merchant_label_record)."""
    if transaction_ids:
        transaction.on_commit(lambda: merchant_label_record(transaction_ids=transaction_ids))


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
        raise CaseActionRefused(_("A decision needs a reason."))
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
        # A refund can only survive a re-decision if it was never stoppable; see case_reopen.
        refunds_cancel_for_case(case_id=case.pk, actor=actor, why="case re-decided: " + reason)
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
            raise CaseActionRefused(_("A refund of this case is still pending; close it once it is settled."))
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
    (audit, labels) until a new decision replaces it. Refunds not yet handed to the gateway are
    cancelled in the same transaction (each audited): a payout needs the case confirmed *now*."""
    reason = reason.strip()
    if not reason:
        raise CaseActionRefused(_("Reopening a case needs a reason."))

    def reopen(case: Case) -> dict[str, Any]:
        previous = case.disposition
        case.closed_at = None
        return {"previous_disposition": previous}

    with transaction.atomic():
        case = _case_transition(
            case_id=case_id,
            actor=actor,
            transition="reopen",
            action="cases.case.reopened",
            reason=reason,
            extra=reopen,
        )
        refunds_cancel_for_case(case_id=case.pk, actor=actor, why="case reopened: " + reason)
    return case


def case_note_add(*, case_id: int, actor: User, body: str) -> CaseNote:
    """Append a note (and its audit event). Not idempotent: each call adds a note."""
    body = body.strip()
    if not actor.has_perm("cases.work_case"):
        raise CaseActionRefused(_("You may not work on cases."))
    if not body:
        raise CaseActionRefused(_("A note cannot be empty."))
    if len(body) > 10_000:
        raise CaseActionRefused(_("A note can hold at most 10,000 characters."))
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
        raise CaseActionRefused(_("You may not work on cases."))
    if channel not in CustomerContact.Channel.values or outcome not in CustomerContact.Outcome.values:
        raise CaseActionRefused(_("Unknown contact channel or outcome."))
    when = contacted_at or timezone.now()
    if when > timezone.now() + timedelta(minutes=5):
        raise CaseActionRefused(_("A contact cannot be in the future."))
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
