"""Alert triage: claim, assign, release, dismiss, snooze, escalate to a case, and bulk actions.

Triage lives in the cases app because its decisions end in cases: escalation opens or joins a case
(cases.services.case_open) and dismissals feed the compliance QA sample. The alerts app only stores
and scores alerts; it never calls up into this module. One table (TRIAGE_ACTIONS) maps each action to
its service, and serves the single-alert endpoint and the bulk path alike.

Every change is one conditional UPDATE whose WHERE clause states what must still be true (the status,
and who holds the alert), followed by a row-count check: of two analysts clicking at once, exactly one
UPDATE matches and the other is told who won. The audit event is written in the same transaction, and
after commit the changed rows are re-rendered and pushed to every analyst's queue.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.labels import labels_record
from alerts.models import Alert, Label
from alerts.push import alert_rows_push_on_commit
from audit.services import AuditEntry, audit_record_many
from cases.qa import qa_sample_dismissed
from cases.services import case_open, case_open_for_customer

MAX_SNOOZE = timedelta(days=7)
BULK_LIMIT = 500

# Dismissal reasons: codes for reporting, Korean and English for people.
DISMISS_REASONS: dict[str, tuple[str, str]] = {
    "customer_confirmed": ("고객 본인 거래 확인", "Customer confirmed the transaction"),
    "known_pattern": ("고객의 알려진 정상 패턴", "Known normal pattern for this customer"),
    "merchant_trusted": ("신뢰 가맹점 · 정기 결제", "Trusted merchant or recurring payment"),
    "duplicate": ("중복 경보", "Duplicate of another alert"),
    "data_error": ("데이터 오류", "Data error"),
    "other": ("기타 (사유 기재)", "Other (explain)"),
}


class TriageRefused(Exception):
    """The action lost a race or is not allowed in the alert's state; nothing was changed."""


def _require_triage(actor: User) -> None:
    if not actor.is_authenticated or not actor.has_perm("alerts.triage_alert"):
        raise TriageRefused(_("You may not triage alerts."))


def _snapshot(alert: Alert) -> dict[str, Any]:
    return {
        "status": alert.status,
        "assigned_to": alert.assigned_to.get_username() if alert.assigned_to else None,
        "snoozed_until": alert.snoozed_until,
        "case": alert.case_id,
    }


def _entry(
    alert: Alert,
    action: str,
    actor: User | None,
    before: dict[str, Any],
    *,
    reason: str = "",
    system_actor: str = "",
    context: dict[str, Any] | None = None,
) -> AuditEntry:
    fresh = Alert.objects.select_related("assigned_to", "score__model_version").get(pk=alert.pk)
    return AuditEntry(
        action=action,
        target=fresh,
        actor=actor,
        system_actor=system_actor,
        before=before,
        after=_snapshot(fresh),
        reason=reason,
        model_version=fresh.score.model_version.name,
        score=fresh.score.score,
        context=context or {},
    )


def _refusal(alert_id: int, verb: str) -> TriageRefused:
    current = Alert.objects.select_related("assigned_to").filter(pk=alert_id).first()
    if current is None:
        return TriageRefused(_("Alert #%(id)s does not exist.") % {"id": alert_id})
    status = str(current.get_status_display())
    if current.assigned_to:
        status += " " + _("(held by %(user)s)") % {"user": current.assigned_to.get_username()}
    # One whole sentence per action: a verb spliced into a sentence cannot be translated.
    sentences = {
        "claimed": _("Alert #%(id)s cannot be claimed: it is %(status)s."),
        "released": _("Alert #%(id)s cannot be released: it is %(status)s."),
        "assigned": _("Alert #%(id)s cannot be assigned: it is %(status)s."),
        "dismissed": _("Alert #%(id)s cannot be dismissed: it is %(status)s."),
        "snoozed": _("Alert #%(id)s cannot be snoozed: it is %(status)s."),
        "escalated": _("Alert #%(id)s cannot be escalated: it is %(status)s."),
    }
    sentence = sentences.get(verb, _("Alert #%(id)s cannot be changed: it is %(status)s."))
    return TriageRefused(sentence % {"id": alert_id, "status": status})


def _workable_by(actor: User) -> Q:
    """Alerts an analyst may decide on: unclaimed (new, snoozed), or claimed by this analyst."""
    return Q(status__in=[Alert.Status.NEW, Alert.Status.SNOOZED]) | Q(
        status=Alert.Status.CLAIMED, assigned_to=actor
    )


def _guarded_update(
    *,
    alert_id: int,
    where: Q,
    values: dict[str, Any],
    action: str,
    actor: User,
    verb: str,
    reason: str = "",
    context: dict[str, Any] | None = None,
    children: Callable[[Alert], list[AuditEntry]] | None = None,
) -> Alert:
    with transaction.atomic():
        alert = Alert.objects.select_related("assigned_to").filter(pk=alert_id).first()
        if alert is None:
            raise TriageRefused(_("Alert #%(id)s does not exist.") % {"id": alert_id})
        before = _snapshot(alert)
        if Alert.objects.filter(where, pk=alert_id).update(**values) != 1:
            raise _refusal(alert_id, verb)
        entries = [_entry(alert, action, actor, before, reason=reason, context=context)]
        if children is not None:
            entries.extend(children(alert))
        audit_record_many(entries)
    alert_rows_push_on_commit([alert_id, *[e.target.pk for e in entries[1:] if isinstance(e.target, Alert)]])
    return Alert.objects.select_related("assigned_to", "case").get(pk=alert_id)


def alert_claim(*, alert_id: int, actor: User) -> Alert:
    """new/snoozed → claimed by the actor. Of concurrent claims exactly one wins; the others are
    refused with the winner's name. Claiming an alert one already holds is refused too (no change)."""
    _require_triage(actor)
    return _guarded_update(
        alert_id=alert_id,
        where=Q(status__in=[Alert.Status.NEW, Alert.Status.SNOOZED]),
        values={
            "status": Alert.Status.CLAIMED,
            "assigned_to": actor,
            "claimed_at": timezone.now(),
            "snoozed_until": None,
        },
        action="alerts.alert.claimed",
        actor=actor,
        verb="claimed",
    )


def alert_release(*, alert_id: int, actor: User) -> Alert:
    """claimed (by the actor) → new, unassigned."""
    _require_triage(actor)
    return _guarded_update(
        alert_id=alert_id,
        where=Q(status=Alert.Status.CLAIMED, assigned_to=actor),
        values={"status": Alert.Status.NEW, "assigned_to": None, "claimed_at": None},
        action="alerts.alert.released",
        actor=actor,
        verb="released",
    )


def alert_assign(*, alert_id: int, actor: User, assignee_username: str) -> Alert:
    """Hand an open alert to an analyst (claimed in their name). Guarded on the holder the actor saw
    being unchanged, so a reassignment never silently overrides someone else's fresh claim."""
    _require_triage(actor)
    assignee = get_user_model().objects.filter(username=assignee_username, is_active=True).first()
    if assignee is None or not assignee.has_perm("alerts.triage_alert"):
        raise TriageRefused(
            _("%(username)s is not an analyst who can take alerts.") % {"username": repr(assignee_username)}
        )
    current = Alert.objects.filter(pk=alert_id).values("assigned_to_id", "status").first()
    if current is None:
        raise TriageRefused(_("Alert #%(id)s does not exist.") % {"id": alert_id})
    where = Q(status__in=Alert.OPEN_STATUSES) & (
        Q(assigned_to__isnull=True)
        if current["assigned_to_id"] is None
        else Q(assigned_to_id=current["assigned_to_id"])
    )
    return _guarded_update(
        alert_id=alert_id,
        where=where,
        values={
            "status": Alert.Status.CLAIMED,
            "assigned_to": assignee,
            "claimed_at": timezone.now(),
            "snoozed_until": None,
        },
        action="alerts.alert.assigned",
        actor=actor,
        verb="assigned",
        context={"assignee": assignee.get_username()},
    )


def _attached_children(alert: Alert) -> list[Alert]:
    return list(alert.children.filter(status=Alert.Status.ATTACHED))


def alert_dismiss(*, alert_id: int, actor: User, reason_code: str, reason_text: str = "") -> Alert:
    """Dismiss as a false positive with a reason (code + text; text required for "other").

    Alerts attached to this one are dismissed with it. A configurable share of dismissals is drawn into
    the compliance QA queue (cases.qa.qa_sample_dismissed). Refused, with nothing changed, when the
    alert is claimed by someone else or already decided.
    """
    _require_triage(actor)
    if reason_code not in DISMISS_REASONS:
        raise TriageRefused(_("Choose a dismissal reason."))
    reason_text = reason_text.strip()
    if reason_code == "other" and not reason_text:
        raise TriageRefused(_("Explain the reason when dismissing for 'other'."))
    ko, en = DISMISS_REASONS[reason_code]
    reason = f"{reason_code}: {ko} / {en}" + (f" — {reason_text}" if reason_text else "")
    now = timezone.now()

    def cascade(parent: Alert) -> list[AuditEntry]:
        entries = []
        labelled = [parent.transaction_id]
        for child in _attached_children(parent):
            before = _snapshot(child)
            if Alert.objects.filter(pk=child.pk, status=Alert.Status.ATTACHED).update(
                status=Alert.Status.DISMISSED,
                decided_by=actor,
                decided_at=now,
                decision_reason=f"dismissed with alert #{parent.pk}: {reason}",
            ):
                labelled.append(child.transaction_id)
                entries.append(
                    _entry(
                        child,
                        "alerts.alert.dismissed",
                        actor,
                        before,
                        reason=reason,
                        context={"with_parent": parent.pk},
                    )
                )
        # A false positive is a "not fraud" label, traced to this decision (QA may overturn it).
        labels_record(
            transaction_ids=labelled,
            is_fraud=False,
            source=Label.Source.DISMISSAL,
            reason=reason,
            author=actor,
            known_at=now,
            alert_id=parent.pk,
        )
        qa_sample_dismissed(alert=parent)
        return entries

    return _guarded_update(
        alert_id=alert_id,
        where=_workable_by(actor),
        values={
            "status": Alert.Status.DISMISSED,
            "assigned_to": actor,
            "decided_by": actor,
            "decided_at": now,
            "decision_reason": reason,
            "snoozed_until": None,
        },
        action="alerts.alert.dismissed",
        actor=actor,
        verb="dismissed",
        reason=reason,
        context={"reason_code": reason_code},
        children=cascade,
    )


def alert_snooze(*, alert_id: int, actor: User, until: datetime, reason: str = "") -> Alert:
    """Put an alert aside until `until` (in the future, at most 7 days); it returns to the queue as new
    when the time comes (alerts_snooze_expire)."""
    _require_triage(actor)
    now = timezone.now()
    if until <= now:
        raise TriageRefused(_("Snooze until a time in the future."))
    if until > now + MAX_SNOOZE:
        raise TriageRefused(_("An alert can be snoozed for at most 7 days."))
    return _guarded_update(
        alert_id=alert_id,
        where=_workable_by(actor),
        values={
            "status": Alert.Status.SNOOZED,
            "snoozed_until": until,
            "assigned_to": None,
            "claimed_at": None,
        },
        action="alerts.alert.snoozed",
        actor=actor,
        verb="snoozed",
        reason=reason.strip(),
        context={"until": until.isoformat()},
    )


def alerts_snooze_expire(*, now: datetime | None = None) -> list[int]:
    """Snoozed alerts whose time has come go back to new (audited, pushed). Safe to repeat."""
    now = now or timezone.now()
    woken: list[int] = []
    for alert in Alert.objects.filter(status=Alert.Status.SNOOZED, snoozed_until__lte=now)[:1000]:
        with transaction.atomic():
            before = _snapshot(alert)
            if Alert.objects.filter(pk=alert.pk, status=Alert.Status.SNOOZED, snoozed_until__lte=now).update(
                status=Alert.Status.NEW, snoozed_until=None
            ):
                audit_record_many(
                    [_entry(alert, "alerts.alert.unsnoozed", None, before, system_actor="system:snooze")]
                )
                woken.append(alert.pk)
    alert_rows_push_on_commit(woken)
    return woken


def alert_escalate(*, alert_id: int, actor: User, title: str = "", reason: str = "") -> Alert:
    """Escalate an alert to a case: the customer's active case if there is one, else a new case.

    The alert and every alert attached to it join the case (status escalated). Refused, with nothing
    changed, when the alert is claimed by someone else or already decided.
    """
    _require_triage(actor)
    if not actor.has_perm("cases.work_case"):
        raise TriageRefused(_("You may not open cases."))
    now = timezone.now()
    with transaction.atomic():
        alert = Alert.objects.select_related("customer", "transaction").filter(pk=alert_id).first()
        if alert is None:
            raise TriageRefused(_("Alert #%(id)s does not exist.") % {"id": alert_id})
        if not Alert.objects.filter(_workable_by(actor), pk=alert_id).exists():
            raise _refusal(alert_id, "escalated")
        case = alert.case or case_open_for_customer(customer=alert.customer)
        opened = case is None
        if case is None:
            case = case_open(
                customer=alert.customer,
                actor=actor,
                title=title or f"{alert.customer} · {alert.transaction.amount:,}원",
            )

        def join(parent: Alert) -> list[AuditEntry]:
            entries = []
            for child in _attached_children(parent):
                before = _snapshot(child)
                if Alert.objects.filter(pk=child.pk, status=Alert.Status.ATTACHED).update(
                    status=Alert.Status.ESCALATED,
                    case=case,
                    decided_by=actor,
                    decided_at=now,
                    decision_reason=f"escalated with alert #{parent.pk}",
                ):
                    entries.append(
                        _entry(
                            child,
                            "alerts.alert.escalated",
                            actor,
                            before,
                            context={"case": case.pk, "with_parent": parent.pk},
                        )
                    )
            return entries

        return _guarded_update(
            alert_id=alert_id,
            where=_workable_by(actor),
            values={
                "status": Alert.Status.ESCALATED,
                "case": case,
                "assigned_to": actor,
                "decided_by": actor,
                "decided_at": now,
                "decision_reason": reason.strip() or f"escalated to case #{case.pk}",
                "snoozed_until": None,
            },
            action="alerts.alert.escalated",
            actor=actor,
            verb="escalated",
            reason=reason.strip(),
            context={"case": case.pk, "case_opened": opened},
            children=join,
        )


@dataclass(frozen=True)
class TriageInput:
    """What a triage action may need besides the alert and the actor (validated by the form)."""

    reason_code: str = ""
    reason_text: str = ""
    until: datetime | None = None
    assignee_username: str = ""


def _claim(alert_id: int, actor: User, given: TriageInput) -> Alert:
    return alert_claim(alert_id=alert_id, actor=actor)


def _release(alert_id: int, actor: User, given: TriageInput) -> Alert:
    return alert_release(alert_id=alert_id, actor=actor)


def _assign(alert_id: int, actor: User, given: TriageInput) -> Alert:
    return alert_assign(alert_id=alert_id, actor=actor, assignee_username=given.assignee_username)


def _dismiss(alert_id: int, actor: User, given: TriageInput) -> Alert:
    return alert_dismiss(
        alert_id=alert_id, actor=actor, reason_code=given.reason_code, reason_text=given.reason_text
    )


def _snooze(alert_id: int, actor: User, given: TriageInput) -> Alert:
    if given.until is None:
        raise TriageRefused(_("Choose until when to snooze."))
    return alert_snooze(alert_id=alert_id, actor=actor, until=given.until, reason=given.reason_text)


def _escalate(alert_id: int, actor: User, given: TriageInput) -> Alert:
    return alert_escalate(alert_id=alert_id, actor=actor, reason=given.reason_text)


# The one table of triage actions: the single-alert endpoint, the bulk path and the form's choices.
TRIAGE_ACTIONS: dict[str, Callable[[int, User, TriageInput], Alert]] = {
    "claim": _claim,
    "release": _release,
    "dismiss": _dismiss,
    "snooze": _snooze,
    "escalate": _escalate,
    "assign": _assign,
}


def alert_triage(*, action: str, alert_id: int, actor: User, given: TriageInput) -> Alert:
    """Apply one triage action (a key of TRIAGE_ACTIONS) to one alert; side effects as the action's
    service. Raises TriageRefused, with nothing changed, for an unknown action or a lost race."""
    handler = TRIAGE_ACTIONS.get(action)
    if handler is None:
        raise TriageRefused(_("Unknown triage action."))
    return handler(alert_id, actor, given)


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)
    case_ids: list[int] = field(default_factory=list)


def alerts_bulk(
    *,
    action: str,
    alert_ids: Sequence[int],
    actor: User,
    reason_code: str = "",
    reason_text: str = "",
    until: datetime | None = None,
    assignee_username: str = "",
) -> BulkResult:
    """Apply one triage action to a selection, alert by alert (each its own transaction): the ones
    that lose a race or are not workable are reported back and unchanged, the rest go through.
    Escalating a selection opens (or reuses) one case per customer."""
    _require_triage(actor)
    if action not in TRIAGE_ACTIONS:
        raise TriageRefused(_("Unknown bulk action."))
    ids = list(dict.fromkeys(int(i) for i in alert_ids))
    if not ids:
        raise TriageRefused(_("Select at least one alert."))
    if len(ids) > BULK_LIMIT:
        raise TriageRefused(_("Select at most %(limit)s alerts at a time.") % {"limit": BULK_LIMIT})
    if action == "dismiss" and reason_code not in DISMISS_REASONS:
        raise TriageRefused(_("Choose a dismissal reason."))
    if action == "snooze" and until is None:
        raise TriageRefused(_("Choose until when to snooze."))
    result = BulkResult()
    by_customer: dict[int, list[int]] = defaultdict(list)
    for alert_id, customer_id in Alert.objects.filter(pk__in=ids).values_list("pk", "customer_id"):
        by_customer[customer_id].append(alert_id)
    ordered = [alert_id for group in by_customer.values() for alert_id in sorted(group)]
    for missing in set(ids) - set(ordered):
        result.refused[missing] = f"Alert #{missing} does not exist."
    given = TriageInput(
        reason_code=reason_code, reason_text=reason_text, until=until, assignee_username=assignee_username
    )
    for alert_id in ordered:
        try:
            alert = alert_triage(action=action, alert_id=alert_id, actor=actor, given=given)
        except TriageRefused as exc:
            result.refused[alert_id] = str(exc)
        else:
            result.done.append(alert_id)
            if action == "escalate" and alert.case_id and alert.case_id not in result.case_ids:
                result.case_ids.append(alert.case_id)
    return result
