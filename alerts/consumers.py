from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from alerts.push import alert_feed_group, alert_row_payload
from alerts.selectors import alerts_newest, alerts_since

REFUSED = 4403
# Reconnecting clients ask from the newest alert they saw; a margin covers alerts committed slightly
# out of creation order. The browser de-duplicates rows by alert id.
RESUME_MARGIN = timedelta(seconds=5)


def _rows_since(since: datetime | None) -> list[dict]:
    alerts = alerts_since(since=since - RESUME_MARGIN) if since else list(reversed(alerts_newest()))
    return [alert_row_payload(alert) for alert in alerts]


class AlertFeedConsumer(AsyncJsonWebsocketConsumer):
    """The live alert queue. Read-only: it only pushes rendered rows; all writes go through views.

    Protocol: connect to /ws/alerts/?since=<ISO time of the newest alert seen>; the server answers
    {"type": "snapshot", "rows": [...]} with everything since then (or the newest 50), then
    {"type": "rows", "rows": [...]} as alerts are created or change. A client may send
    {"type": "ping"}; anything else is answered with {"type": "error", ...} and ignored.
    """

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
        await self.channel_layer.group_add(alert_feed_group(), self.channel_name)
        await self.accept()
        rows = await sync_to_async(_rows_since)(since)
        await self.send_json({"type": "snapshot", "rows": rows})

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

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(alert_feed_group(), self.channel_name)

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
        await self.send_json({"type": "rows", "rows": event["rows"]})
