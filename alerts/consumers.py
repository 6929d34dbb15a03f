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
from django.utils import timezone

from alerts.broadcast import alert_feed_group, alert_row_payload
from alerts.selectors import alert_ids_since, alert_rows, alerts_newest, alerts_since

log = logging.getLogger(__name__)

REFUSED = 4403
# Reconnecting clients ask from the newest alert they saw; a margin covers alerts committed slightly
# out of creation order. The browser de-duplicates rows by alert id.
RESUME_MARGIN = timedelta(seconds=5)
# The periodic catch-up looks further back: an alert's time is taken when its scoring batch starts,
# so a batch that commits late (lock waits, a slow database) carries times older than alerts already
# pushed by faster batches.
CATCHUP_WINDOW = timedelta(seconds=60)


def _rows_since(since: datetime | None) -> list[dict]:
    alerts = alerts_since(since=since - RESUME_MARGIN) if since else list(reversed(alerts_newest()))
    return [alert_row_payload(alert) for alert in alerts]


def _rows_missing(since: datetime, sent: set[int]) -> list[dict]:
    missing = [pk for pk in alert_ids_since(since=since) if pk not in sent]
    if not missing:
        return []
    alerts = alert_rows().filter(pk__in=missing).order_by("created_at", "id")
    return [alert_row_payload(alert) for alert in alerts]


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
        self._sent: dict[int, tuple[datetime, int]] = {}  # alert id -> (created, rendering sent)
        self._newest = timezone.now()
        await self._join()
        await self.accept()
        rows = await database_sync_to_async(_rows_since)(since)
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
        """Send rows this socket has not been sent in this exact rendering (a push and a catch-up
        can race for the same new alert; a changed alert is re-rendered and sent again)."""
        fresh = []
        for row in rows:
            created = datetime.fromisoformat(row["created"])
            rendering = hash(row["html"])
            if self._sent.get(row["id"], (None, None))[1] == rendering:
                continue
            self._sent[row["id"]] = (created, rendering)
            self._newest = max(self._newest, created)
            fresh.append(row)
        if fresh or kind == "snapshot":
            await self.send_json({"type": kind, "rows": fresh})

    async def _catch_up_forever(self) -> None:
        while True:
            await asyncio.sleep(settings.FDS_FEED_CATCHUP_SECONDS)
            try:
                if not self._joined:
                    await self._join()
                since = self._newest - CATCHUP_WINDOW
                for pk in [pk for pk, (created, _) in self._sent.items() if created < since]:
                    del self._sent[pk]
                rows = await database_sync_to_async(_rows_missing)(since, set(self._sent))
                if rows:
                    await self._send_rows("rows", rows)
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
        await self._send_rows("rows", event["rows"])
