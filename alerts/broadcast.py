"""Pushing alert rows to analysts' browsers. One template renders a row for the page and the push."""

from __future__ import annotations

from collections.abc import Sequence

from django.template.loader import render_to_string

from alerts.selectors import alert_rows
from fdsportal.push import channel_push

ROWS_PER_MESSAGE = 50


def alert_feed_group() -> str:
    """The one group every analyst's alert queue joins."""
    return "alerts.feed"


def alert_row_payload(alert) -> dict:
    return {
        "id": alert.pk,
        "score": round(alert.score.score, 4),
        "status": alert.status,
        "created": alert.created_at.isoformat(),
        "html": render_to_string("alerts/_alert_row.html", {"alert": alert}),
    }


def alert_rows_broadcast(*, alert_ids: Sequence[int]) -> None:
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
