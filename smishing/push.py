"""Group names and the pushes workers send after commit. Consumers and services both use these."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from realtime.transport import channel_push
from smishing.models import RetrainJob, Submission


def submission_group(submission_id: int) -> str:
    return f"smishing.submission.{submission_id}"


def submitter_group(user_id: int) -> str:
    return f"smishing.submitter.{user_id}"


def retrain_group(job_id: int) -> str:
    return f"smishing.retrain.{job_id}"


def submission_state_message(submission: Submission, language: str | None = None) -> dict[str, Any]:
    """The submission's state as its submitter's pages show it, rendered in `language` (default: the
    language the submitter chose, else Korean): only the submitter listens to these groups."""
    from django.conf import settings
    from django.utils import translation

    from access.language import user_language
    from smishing.rendering import submission_row_html, verdict_html

    if language is None:
        language = user_language(submission.submitted_by) or settings.LANGUAGE_CODE
    with translation.override(language):
        return {
            "type": "submission.state",
            "id": submission.pk,
            "status": submission.status,
            "label": submission.label,
            "html": verdict_html(submission),
            "row_html": submission_row_html(submission),
        }


def retrain_state_message(job: RetrainJob) -> dict[str, Any]:
    return {
        "type": "retrain.state",
        "id": job.pk,
        "status": job.status,
        "progress": round(job.progress, 4),
        "message": job.message,
        "outcome": job.outcome,
    }


def _push(messages: list[tuple[str, dict[str, Any]]]) -> None:
    channel_push(messages, what="smishing state")


def submissions_push(submission_ids: Iterable[int]) -> None:
    """Send the stored state of each submission to its page and its owner's list. Call after commit."""
    ids = list(submission_ids)
    if not ids:
        return
    messages: list[tuple[str, dict[str, Any]]] = []
    for submission in (
        Submission.objects.filter(pk__in=ids).select_related("submitted_by").prefetch_related("indicators")
    ):
        message = submission_state_message(submission)
        messages.append((submission_group(submission.pk), message))
        messages.append((submitter_group(submission.submitted_by_id), message))
    _push(messages)


def retrain_push(job: RetrainJob) -> None:
    _push([(retrain_group(job.pk), retrain_state_message(job))])
