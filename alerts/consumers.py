from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import timezone, translation

from access.language import scope_language
from alerts.models import Retraining
from alerts.push import alert_feed_group, alert_row_payload, retraining_group, retraining_state
from alerts.selectors import alert_ids_since, alert_rows, alerts_newest, alerts_since

log = logging.getLogger(__name__)

REFUSED = 4403
# Reconnecting clients ask from the newest alert they saw; a margin covers alerts committed slightly
# out of creation order. The browser de-duplicates rows by alert id.
RESUME_MARGIN = timedelta(seconds=5)
# The periodic catch-up looks at alerts of this age span: an alert's time is taken when its scoring
# batch starts, so a batch that commits late (lock waits, a slow database) carries times older than
# alerts already pushed by faster batches.
CATCHUP_WINDOW = timedelta(seconds=60)
CATCHUP_MAX_ROWS = 500


def _rows_since(since: datetime | None, language: str) -> list[dict]:
    alerts = alerts_since(since=since - RESUME_MARGIN) if since else list(reversed(alerts_newest()))
    return [alert_row_payload(alert, [language]) for alert in alerts]


def _rows_missing(since: datetime, until: datetime, sent: set[int], language: str) -> list[dict]:
    """Rendered rows of alerts created in [since, until) that are not in `sent`. One cheap id query
    when nothing is missing, which is nearly always."""
    missing = [pk for pk in alert_ids_since(since=since, until=until) if pk not in sent]
    if not missing:
        return []
    alerts = alert_rows().filter(pk__in=missing[:CATCHUP_MAX_ROWS]).order_by("created_at", "id")
    return [alert_row_payload(alert, [language]) for alert in alerts]


class AlertFeedConsumer(AsyncJsonWebsocketConsumer):
    """The live alert queue. Read-only: it only pushes rendered rows; all writes go through views.

    Protocol: connect to /ws/alerts/?since=<ISO time of the newest alert seen>; the server answers
    {"type": "snapshot", "rows": [...]} with everything since then (or the newest 50), then
    {"type": "rows", "rows": [...]} as alerts are created or change. A client may send
    {"type": "ping"}; anything else is answered with {"type": "error", ...} and ignored.

    Pushes travel over Redis pub/sub, which forgets what it could not deliver (Redis restarting, a
    worker killed between its commit and its push). So every FDS_FEED_CATCHUP_SECONDS the consumer
    also sends the alerts of the last minute it has not sent yet; it keeps working, by this catch-up
    alone, while Redis is down.
    """

    _catchup: asyncio.Task[None] | None = None
    _joined = False

    async def connect(self) -> None:
        user = self.scope.get("user")
        if (
            user is None
            or not user.is_authenticated
            or not await sync_to_async(user.has_perm)("alerts.view_alert")
        ):
            await self.close(code=REFUSED)
            return
        since = self._since()
        # The analyst's interface language: rows (reasons, statuses) are sent in it.
        self._language = await database_sync_to_async(scope_language)(self.scope)
        self._sent: dict[int, tuple[datetime, int]] = {}  # alert id -> (created, rendering sent)
        # The catch-up never reaches behind what the snapshot stood for.
        self._floor = (since or timezone.now()) - RESUME_MARGIN
        self._push_lag = 0.0  # seconds from an alert's creation to its push arriving, smoothed
        self._checked_until = self._floor
        await self._join()
        await self.accept()
        rows = await database_sync_to_async(_rows_since)(since, self._language)
        await self._send_rows("snapshot", rows)
        self._catchup = asyncio.ensure_future(self._catch_up_forever())

    async def _join(self) -> None:
        try:
            await self.channel_layer.group_add(alert_feed_group(), self.channel_name)
            self._joined = True
        except Exception as exc:  # Redis down: serve by catch-up until it is back
            log.warning("alert feed could not join its group (%s); catching up from the database", exc)

    def _since(self) -> datetime | None:
        query = parse_qs(self.scope.get("query_string", b"").decode())
        raw = (query.get("since") or [""])[0]
        if not raw:
            return None
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            return None
        return value if value.tzinfo is not None else None

    async def _send_rows(self, kind: str, rows: list[dict]) -> None:
        """Send rows this socket has not been sent in this state (a push and a catch-up can race for
        the same new alert; a changed alert is re-rendered and sent again)."""
        fresh = []
        now = timezone.now()
        for row in rows:
            by_language = row.get("html_by_language") or {}
            row = {k: v for k, v in row.items() if k != "html_by_language"}
            row["html"] = by_language.get(self._language, row["html"])
            created = datetime.fromisoformat(row["created"])
            rendering = hash(row.get("state") or row["html"])
            previous = self._sent.get(row["id"])
            if previous is not None and previous[1] == rendering:
                continue
            if previous is None and kind == "push":
                lag = min(120.0, max(0.0, (now - created).total_seconds()))
                self._push_lag = 0.8 * self._push_lag + 0.2 * lag
            self._sent[row["id"]] = (created, rendering)
            fresh.append(row)
        kind = "rows" if kind == "push" else kind
        if fresh or kind == "snapshot":
            await self.send_json({"type": kind, "rows": fresh})

    async def _catch_up_forever(self) -> None:
        """Every round, look for alerts old enough that their push should have arrived: older than
        one round plus twice the pushes' recent lag. So under heavy load, when pushes run late, the
        catch-up does not render for every socket what the push brings anyway."""
        period = settings.FDS_FEED_CATCHUP_SECONDS
        while True:
            await asyncio.sleep(period)
            try:
                if not self._joined:
                    await self._join()
                grace = timedelta(seconds=period + 2 * self._push_lag)
                until = timezone.now() - grace
                # When the lag shrinks, `until` jumps ahead: start from where the last round stopped
                # so that no alert skips the window.
                since = max(self._floor, min(self._checked_until, until - CATCHUP_WINDOW))
                # What is forgotten below is never looked at again: when the lag grows, `until` and
                # so `since` would move back, over alerts this socket was sent and no longer
                # remembers, and send them a second time.
                self._floor = since
                for pk in [pk for pk, (created, _) in self._sent.items() if created < since]:
                    del self._sent[pk]
                if until <= since:
                    continue
                rows = await database_sync_to_async(_rows_missing)(
                    since, until, set(self._sent), self._language
                )
                if rows:
                    await self._send_rows("rows", rows)
                self._checked_until = max(self._checked_until, until)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is down: try again next round
                log.warning("alert feed catch-up failed (%s)", exc)

    async def disconnect(self, code: int) -> None:
        if self._catchup is not None:
            self._catchup.cancel()
        if self._joined:
            try:
                await self.channel_layer.group_discard(alert_feed_group(), self.channel_name)
            except Exception as exc:
                log.warning("alert feed could not leave its group (%s)", exc)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
            return
        await self.send_json({"type": "error", "error": "unknown message; this feed is read-only"})

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        try:
            await super().receive(text_data=text_data, bytes_data=bytes_data, **kwargs)
        except ValueError:  # not JSON
            await self.send_json({"type": "error", "error": "messages must be JSON"})

    async def alert_rows(self, event: dict) -> None:
        await self._send_rows("push", event["rows"])


def _retraining_state(retraining_id: int) -> dict | None:
    from alerts.models import Retraining

    job = Retraining.objects.filter(pk=retraining_id).first()
    return retraining_state(job) if job is not None else None


class RetrainingConsumer(AsyncJsonWebsocketConsumer):
    """`ws/alerts/models/retrain/<id>/`: one retraining run's progress, pushed by the worker.

    Protocol: on connect the server sends the stored state ({"type": "retraining.state", ...}, the
    same object the status URL serves), then every change the worker pushes. Joining the group comes
    before reading the state, so a change between the two is never lost. The page polls the status
    URL while this socket is down (Redis gone, a proxy dropping it) and stops when it is back.
    """

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        retraining_id = int(self.scope["url_route"]["kwargs"]["retraining_id"])
        if (
            user is None
            or not user.is_authenticated
            or not await sync_to_async(user.has_perm)("alerts.view_modelversion")
            or await database_sync_to_async(_retraining_state)(retraining_id) is None
        ):
            await self.close(code=REFUSED)
            return
        self.language = await database_sync_to_async(scope_language)(self.scope)
        try:
            await self.channel_layer.group_add(retraining_group(retraining_id), self.channel_name)
            self.group = retraining_group(retraining_id)
        except Exception as exc:  # Redis down: the stored state now, the page's polling after that
            log.warning("retraining page could not join its group (%s)", exc)
        await self.accept()
        state = await database_sync_to_async(_retraining_state)(retraining_id)
        if state is not None:
            await self.send_json(self._localised(state))
        if self.group is None:
            await self.close()  # the page falls back to polling and tries the socket again later

    async def disconnect(self, code: int) -> None:
        if self.group:
            try:
                await self.channel_layer.group_discard(self.group, self.channel_name)
            except Exception as exc:
                log.warning("retraining page could not leave its group (%s)", exc)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        await self.send_json({"type": "error", "error": "this socket is read-only"})

    def _localised(self, state: dict) -> dict:
        """The worker renders the status label in no one's language: this socket's person reads it in
        theirs, as the status URL serves it."""
        with translation.override(self.language):
            return {**state, "status_label": str(Retraining.Status(state["status"]).label)}

    async def retraining_state(self, event: dict) -> None:
        await self.send_json(self._localised(event))
