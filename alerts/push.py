"""Pushing alert rows to analysts' browsers. One template renders a row for the page and the push.

The one entry point for every change to an alert (scoring, triage, snooze expiry) is
alert_rows_push_on_commit; alert_rows_push sends at once (after commit already).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from alerts.selectors import alert_rows
from realtime.transport import channel_push

ROWS_PER_MESSAGE = 50


def alert_feed_group() -> str:
    """The one group every analyst's alert queue joins."""
    return "alerts.feed"


def alert_row_html(alert, language: str) -> str:
    with translation.override(language):
        return render_to_string("alerts/_alert_row.html", {"alert": alert})


def alert_row_state(alert) -> str:
    """The parts of an alert its row shows and triage changes (the transaction, customer and
    reasons are fixed once raised)."""
    return "|".join(
        str(v)
        for v in (
            alert.status,
            alert.assigned_to_id,
            alert.case_id,
            alert.parent_id,
            alert.snoozed_until and alert.snoozed_until.timestamp(),
            alert.score.score,
        )
    )


def alert_row_payload(alert, languages: Sequence[str] | None = None) -> dict:
    """An alert's row as pushed: `html` in FDS_REASON_LANGUAGE (for clients with no person behind
    them) and `html_by_language` in each of `languages` (default: every offered language), from which
    each analyst's socket sends the one in that analyst's language."""
    codes = list(languages) if languages is not None else [code for code, _ in settings.LANGUAGES]
    by_language = {code: alert_row_html(alert, code) for code in codes}
    default = settings.FDS_REASON_LANGUAGE
    return {
        "id": alert.pk,
        "score": round(alert.score.score, 4),
        "status": alert.status,
        "created": alert.created_at.isoformat(),
        # What the row shows that can change after the alert is raised: a socket sends a row again
        # only when this differs from what it last sent, not when two renderings differ by accident.
        "state": alert_row_state(alert),
        "html": by_language[default] if default in by_language else alert_row_html(alert, default),
        "html_by_language": by_language,
    }


def alert_rows_push(*, alert_ids: Sequence[int]) -> None:
    """Send the current rendering of these alerts to every connected queue, in one message.

    Call after commit. A failed push is logged, never raised: the alert is stored, and browsers that
    missed it catch up when they reconnect.
    """
    if not alert_ids:
        return
    rows = [alert_row_payload(alert) for alert in alert_rows().filter(pk__in=list(alert_ids))]
    # Frames of at most ROWS_PER_MESSAGE rows: a burst (a bulk replay, a new rule) must not become one
    # multi-megabyte websocket frame that clients refuse.
    messages = [
        (alert_feed_group(), {"type": "alert.rows", "rows": rows[i : i + ROWS_PER_MESSAGE]})
        for i in range(0, len(rows), ROWS_PER_MESSAGE)
    ]
    channel_push(messages, what="alert rows")


def alert_rows_push_on_commit(alert_ids: Sequence[int]) -> None:
    """After the current transaction commits, push the current rendering of these alerts (deduplicated)."""
    ids = sorted(set(alert_ids))
    if ids:
        transaction.on_commit(lambda: alert_rows_push(alert_ids=ids))


# --- Retraining progress -------------------------------------------------------------------------


def retraining_group(retraining_id: int) -> str:
    """The group of one retraining run's page (alerts.consumers.RetrainingConsumer)."""
    return f"alerts.retraining.{retraining_id}"


def retraining_state(job) -> dict:
    """A run's stored progress: what its page shows, pushed over the socket and served to polling."""
    return {
        "type": "retraining.state",
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "progress": job.progress,
        "percent": round(job.progress * 100),
        "message": job.message,
        "error": job.error,
    }


def retraining_push(*, retraining_id: int) -> None:
    """Send the run's stored state to its open pages. Best effort: a page whose socket missed it gets
    the stored state when it reconnects, and polls the status URL while it cannot."""
    from alerts.models import Retraining

    job = Retraining.objects.filter(pk=retraining_id).first()
    if job is not None:
        channel_push([(retraining_group(job.pk), retraining_state(job))], what="retraining progress")


def retraining_push_on_commit(retraining_id: int) -> None:
    """Push the run's state once the current transaction (if any) commits: never a state that could
    still roll back."""
    transaction.on_commit(lambda: retraining_push(retraining_id=retraining_id))
