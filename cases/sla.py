"""Refund-decision SLA: cases about to breach it are escalated and their owners mailed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_record
from cases.calendar import SEOUL
from cases.models import (
    Case,
)

# --- SLA escalation ------------------------------------------------------------------------------


def cases_sla_at_risk(*, now: datetime) -> Any:
    warn = timedelta(hours=settings.FDS_SLA_WARN_HOURS)
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
