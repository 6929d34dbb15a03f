"""Celery tasks: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from cases import refunds, sla, triage
from cases.gateway import GatewayTransientError


@shared_task(
    acks_late=True,
    max_retries=8,
    # Only transient gateway errors are retried; a business rejection is recorded as failed inside the
    # service and never raises.
    autoretry_for=(GatewayTransientError,),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
)
def refund_payout_send(refund_id: int) -> str:
    """Pay one approved refund (see cases.refunds.refund_payout_send). Safe to run twice."""
    return refunds.refund_payout_send(refund_id=refund_id)


@shared_task
def refunds_reconcile() -> dict[str, int]:
    """Beat: compare refund states with the gateway's book (cases.refunds.refunds_reconcile)."""
    return vars(refunds.refunds_reconcile())


@shared_task
def cases_sla_escalate() -> list[int]:
    """Beat: escalate cases whose refund decision is about to breach its SLA."""
    return sla.cases_sla_escalate()


@shared_task
def alerts_snooze_expire() -> list[int]:
    """Beat: return snoozed alerts whose time has come to the queue."""
    return triage.alerts_snooze_expire()
