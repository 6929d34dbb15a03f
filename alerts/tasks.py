from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from alerts.models import Transaction
from alerts.services import scoring_enqueue, transactions_score


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=30,
    max_retries=8,
    acks_late=True,
    # Nobody reads the return value (the outcome is in the database): skip a result-backend write on
    # the path an analyst waits for.
    ignore_result=True,
)
def transactions_score_task(transaction_ids: list[int]) -> dict[str, int]:
    """Score one batch (see alerts.services.transactions_score). Safe to repeat; retried only on
    database connectivity errors."""
    result = transactions_score(transaction_ids=transaction_ids)
    return {"scored": result.scored, "folded": result.folded, "alerts": len(result.alert_ids)}


@shared_task(ignore_result=True)
def transactions_score_pending() -> int:
    """Beat: re-queue transactions accepted but still unscored after FDS_SCORE_SWEEP_AFTER_SECONDS:
    an enqueue lost because Redis was down at commit, queued messages lost in a Redis restart, a batch
    whose worker was SIGKILLed (its message comes back only after the visibility timeout), no model
    yet. Safe to repeat: queueing twice is harmless, scoring takes only unscored rows under skip-locked
    row locks, and Score and Alert are unique per transaction."""
    cutoff = timezone.now() - timedelta(seconds=settings.FDS_SCORE_SWEEP_AFTER_SECONDS)
    ids = list(
        Transaction.objects.filter(
            status__in=[Transaction.Status.RECEIVED, Transaction.Status.HISTORY_PENDING],
            received_at__lt=cutoff,
        )
        .order_by("received_at")
        .values_list("id", flat=True)[:50_000]
    )
    if ids:
        scoring_enqueue(transaction_ids=ids)
    return len(ids)


@shared_task(acks_late=True)
def retraining_run_task(retraining_id: int) -> str:
    """Run one retraining (see alerts.lifecycle.retraining_run). Safe to repeat: a run that is no
    longer queued is left alone, and a run stores at most one challenger."""
    from alerts.lifecycle import retraining_run

    return retraining_run(retraining_id=retraining_id).status


@shared_task
def retraining_scheduled_task() -> int | None:
    """Beat: start a retraining run when FDS_RETRAIN_EVERY_HOURS have passed since the last one."""
    from alerts.lifecycle import retraining_scheduled

    job = retraining_scheduled()
    return job.pk if job else None


@shared_task
def drift_compute_task() -> int | None:
    """Beat, hourly: the live model's drift report for the last window. Safe to repeat."""
    from alerts.drift import drift_compute

    report = drift_compute()
    return report.pk if report else None
