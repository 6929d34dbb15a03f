"""Reads for the case, refund and QA pages and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Cast
from django.utils import timezone, translation

from alerts.models import Alert, Transaction
from audit.models import AuditEvent
from audit.selectors import audit_events_for
from cases.models import Case, CaseNote, CustomerContact, Evidence, QaReview, RefundRequest

# What each audit action means, for people reading a timeline (Korean / English).
ACTION_LABELS: dict[str, tuple[str, str]] = {
    "cases.case.opened": ("사건 접수", "Case opened"),
    "cases.case.investigating": ("조사 시작", "Investigation started"),
    "cases.case.confirmed_fraud": ("사기 확정", "Fraud confirmed"),
    "cases.case.not_fraud": ("사기 아님 결정", "Decided: not fraud"),
    "cases.case.closed": ("사건 종결", "Case closed"),
    "cases.case.reopened": ("사건 재개", "Case reopened"),
    "cases.case.note_added": ("메모", "Note"),
    "cases.case.contact_logged": ("고객 연락", "Customer contact"),
    "cases.case.evidence_added": ("증빙 첨부", "Evidence attached"),
    "cases.case.sla_escalated": ("SLA 기한 임박 상향", "Escalated: SLA deadline near"),
    "cases.refund.requested": ("환불 요청", "Refund requested"),
    "cases.refund.approved": ("환불 승인", "Refund approved"),
    "cases.refund.rejected": ("환불 거절", "Refund rejected"),
    "cases.refund.sent": ("환불 송금 요청", "Refund sent to the gateway"),
    "cases.refund.settled": ("환불 지급 완료", "Refund settled"),
    "cases.refund.failed": ("환불 지급 실패", "Refund failed"),
    "cases.refund.pending": ("환불 지급 확인 중", "Payout pending at the gateway"),
    "cases.refund.cancelled": ("환불 취소", "Refund cancelled (case reopened or re-decided)"),
    "cases.evidence.downloaded": ("증빙 다운로드", "Evidence downloaded"),
    "cases.refund.reconciled": ("대사 완료", "Reconciled with the gateway's book"),
    "cases.refund.reconcile_flagged": ("대사 불일치", "Reconciliation mismatch"),
    "cases.qa.sampled": ("QA 표본 추출", "Drawn into the QA sample"),
    "cases.qa.reviewed": ("QA 검토", "QA review recorded"),
    "alerts.alert.created": ("알림 발생", "Alert raised"),
    "alerts.alert.attached": ("알림 병합", "Alert attached"),
    "alerts.alert.claimed": ("알림 담당", "Alert claimed"),
    "alerts.alert.released": ("알림 담당 해제", "Alert released"),
    "alerts.alert.assigned": ("알림 배정", "Alert assigned"),
    "alerts.alert.snoozed": ("알림 보류", "Alert snoozed"),
    "alerts.alert.unsnoozed": ("알림 보류 해제", "Alert back from snooze"),
    "alerts.alert.dismissed": ("오탐 처리", "Alert dismissed"),
    "alerts.alert.escalated": ("사건 전환", "Alert escalated to the case"),
}


def action_label(action: str) -> str:
    """The timeline's name for an audited action, in the viewer's language (the active one)."""
    ko, en = ACTION_LABELS.get(action, (action, ""))
    return en if en and (translation.get_language() or "").startswith("en") else ko


def cases_search(
    *, user: Any, query: str = "", status: str = "", mine: bool = False, sla: str = ""
) -> QuerySet[Case]:
    """Cases for the list page and the API. Every staff role that may see cases sees all of them (the
    fraud team shares its queue); the caller has already checked `cases.view_case`."""
    qs = Case.objects.select_related("customer", "assigned_to")
    query = query.strip()
    if query:
        match = (
            Q(title__icontains=query)
            | Q(customer__external_id__iexact=query)
            | Q(customer__display_name__icontains=query)
        )
        if query.lstrip("#").isdigit():
            match |= Q(pk=int(query.lstrip("#")))
        qs = qs.filter(match)
    if status in Case.Status.values:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(assigned_to=user)
    now = timezone.now()
    if sla == "escalated":
        qs = qs.filter(sla_escalated_at__isnull=False, sla_met_at__isnull=True)
    elif sla == "breached":
        qs = qs.filter(sla_met_at__isnull=True, sla_due_at__lt=now).exclude(status=Case.Status.CLOSED)
    elif sla == "running":
        qs = qs.filter(sla_met_at__isnull=True).exclude(status=Case.Status.CLOSED)
    return qs.order_by("-opened_at", "-id")


@dataclass(frozen=True)
class SlaState:
    due_at: datetime
    state: str  # met | ok | warn | breached
    seconds_left: int


def case_sla_state(*, case: Case, now: datetime | None = None) -> SlaState:
    now = now or timezone.now()
    left = int((case.sla_due_at - now).total_seconds())
    if case.sla_met_at is not None:
        state = "met" if case.sla_met_at <= case.sla_due_at else "met_late"
    elif left < 0:
        state = "breached"
    elif left <= timedelta(hours=settings.FDS_SLA_WARN_HOURS).total_seconds():
        state = "warn"
    else:
        state = "ok"
    return SlaState(due_at=case.sla_due_at, state=state, seconds_left=left)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor: str
    action: str
    label: str
    reason: str
    detail: dict[str, Any]
    model_version: str
    score: float | None
    event_id: int


def case_audit_events(*, case: Case) -> QuerySet[AuditEvent]:
    """Every audit event about the case, its alerts, its refunds and its QA reviews, oldest first."""
    alert_ids = [str(pk) for pk in case.alerts.values_list("pk", flat=True)]
    refund_ids = [str(pk) for pk in case.refunds.values_list("pk", flat=True)]
    qa_ids = [str(pk) for pk in QaReview.objects.filter(alert__case=case).values_list("pk", flat=True)]
    around = (
        Q(target_type="alerts.alert", target_id__in=alert_ids)
        | Q(target_type="cases.refundrequest", target_id__in=refund_ids)
        | Q(target_type="cases.qareview", target_id__in=qa_ids)
    )
    own = audit_events_for(case)
    return (own | AuditEvent.objects.filter(around)).order_by("id")


def case_timeline(*, case: Case) -> list[TimelineEntry]:
    """The case's story from the audit trail. Notes and contacts are recorded there with their text, so
    the timeline shows exactly what was written at the time, even if a row were later changed."""
    return [
        TimelineEntry(
            at=event.occurred_at,
            actor=event.actor_label,
            action=event.action,
            label=action_label(event.action),
            reason=event.reason,
            detail=event.after or {},
            model_version=event.model_version,
            score=event.score,
            event_id=event.pk,
        )
        for event in case_audit_events(case=case)
    ]


@dataclass(frozen=True)
class CaseDetail:
    case: Case
    alerts: list[Alert]
    transactions: list[Transaction]
    fraud_total: int
    notes: list[CaseNote]
    contacts: list[CustomerContact]
    evidence: list[Evidence]
    refunds: list[RefundRequest]
    timeline: list[TimelineEntry]
    sla: SlaState


def case_detail(*, case_id: int) -> CaseDetail | None:
    case = (
        Case.objects.select_related("customer", "assigned_to", "decided_by", "opened_by")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        return None
    alerts = list(
        case.alerts.select_related("transaction__merchant", "score__model_version", "assigned_to").order_by(
            "created_at"
        )
    )
    transactions = [a.transaction for a in alerts]
    return CaseDetail(
        case=case,
        alerts=alerts,
        transactions=transactions,
        fraud_total=sum(t.amount for t in transactions),
        notes=list(case.notes.select_related("author")),
        contacts=list(case.contacts.select_related("recorded_by")),
        evidence=list(case.evidence.select_related("uploaded_by")),
        refunds=list(case.refunds.select_related("destination_account", "requested_by", "approved_by")),
        timeline=case_timeline(case=case),
        sla=case_sla_state(case=case),
    )


def _decided_by(user: Any) -> QuerySet[AuditEvent]:
    """Decisions or reopens of the refund's case by `user` (they may not decide its refunds)."""
    from cases.refunds import CASE_DECISION_ACTIONS

    return AuditEvent.objects.filter(
        target_type="cases.case",
        target_id=Cast(OuterRef("case_id"), CharField()),
        action__in=CASE_DECISION_ACTIONS,
        actor=user,
    )


def cases_decided_by(*, user: Any, case_ids: list[int]) -> set[int]:
    """Which of these cases `user` ever decided or reopened (four-eyes: not theirs to approve)."""
    from cases.refunds import CASE_DECISION_ACTIONS

    ids = AuditEvent.objects.filter(
        target_type="cases.case",
        target_id__in=[str(pk) for pk in case_ids],
        action__in=CASE_DECISION_ACTIONS,
        actor=user,
    ).values_list("target_id", flat=True)
    return {int(pk) for pk in ids}


def refunds_search(*, status: str = "", waiting_for: Any = None) -> QuerySet[RefundRequest]:
    """Refunds for the refunds page; `waiting_for` = a user: those awaiting someone else's approval
    that this user may give (not requested or confirmed by them)."""
    qs = RefundRequest.objects.select_related(
        "case__customer", "destination_account", "requested_by", "approved_by", "confirmed_by"
    )
    if status in RefundRequest.Status.values:
        qs = qs.filter(status=status)
    if waiting_for is not None:
        qs = (
            qs.filter(status=RefundRequest.Status.REQUESTED)
            .exclude(requested_by=waiting_for)
            .exclude(confirmed_by=waiting_for)
            .exclude(Exists(_decided_by(waiting_for)))
        )
    return qs.order_by("-requested_at", "-id")


def refunds_summary() -> dict[str, Any]:
    rows = RefundRequest.objects.values("status").annotate(total=Sum("amount"))
    return {row["status"]: row["total"] for row in rows}


def qa_queue(*, reviewed: bool) -> QuerySet[QaReview]:
    qs = QaReview.objects.select_related(
        "alert__transaction__merchant", "alert__customer", "alert__decided_by", "alert__score", "reviewed_by"
    )
    qs = qs.filter(reviewed_at__isnull=not reviewed)
    return qs.order_by("-reviewed_at" if reviewed else "sampled_at", "id")


def customer_cases(*, customer_id: int, limit: int = 20) -> list[Case]:
    """The customer's cases, newest first (the customer page)."""
    return list(
        Case.objects.filter(customer_id=customer_id)
        .select_related("assigned_to")
        .order_by("-opened_at", "-id")[:limit]
    )


def customer_refunds(*, customer_id: int, limit: int = 20) -> list[RefundRequest]:
    """Refunds on the customer's cases, newest first (the customer page)."""
    return list(
        RefundRequest.objects.filter(case__customer_id=customer_id)
        .select_related("destination_account", "requested_by", "approved_by")
        .order_by("-requested_at", "-id")[:limit]
    )
