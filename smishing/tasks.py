"""Celery tasks: thin, take ids, call one service."""

from __future__ import annotations

from celery import shared_task

from smishing import model_versions, retraining, scoring


@shared_task(name="smishing.tasks.submission_score", ignore_result=True)
def submission_score(submission_id: int) -> list[int]:
    """Score this submission and any others queued meanwhile (one batched predict). Safe to repeat."""
    return scoring.submissions_score(submission_ids=[submission_id])


@shared_task(name="smishing.tasks.submissions_score_stale", ignore_result=True)
def submissions_score_stale() -> list[int]:
    """Periodic sweep: score queued rows and rows a dead worker left half-done. Safe to repeat."""
    return scoring.submissions_score_stale()


@shared_task(name="smishing.tasks.retrain_job_run_task", ignore_result=True)
def retrain_job_run_task(job_id: int) -> None:
    """Run one retraining job (progress pushed live). Safe to repeat: only a queued job runs."""
    retraining.retrain_job_run(job_id=job_id)


@shared_task(name="smishing.tasks.model_bootstrap_task", ignore_result=True)
def model_bootstrap_task() -> None:
    """Train and activate a first model if none is active. Safe to repeat."""
    model_versions.model_bootstrap()


@shared_task(name="smishing.tasks.submissions_score_batch", ignore_result=True)
def submissions_score_batch(submission_ids: list[int]) -> list[int]:
    """Score a chunk of imported submissions in one predict. Safe to repeat: only queued rows score."""
    return scoring.submissions_score(submission_ids=submission_ids, batch_size=len(submission_ids))
