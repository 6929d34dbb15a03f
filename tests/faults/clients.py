"""The two outside parties of a fault run: a core-banking feed and analysts' live alert queues.

The feed behaves as a careful client does: it re-sends a batch (same external ids) until the API
accepts it, so "accepted" means a 2xx answer, and duplicates of a re-send count as accepted too. The
analyst socket follows the alert page's protocol (static/alerts/feed.js): it reconnects after a drop
with `?since=` the newest alert it has seen.
"""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from alerts.features import KST

SUSPICIOUS_EVERY = 10


def tx_rows(
    prefix: str, count: int, *, customers: int = 300, seed: int = 0, suspicious_every: int = SUSPICIOUS_EVERY
) -> list[dict[str, Any]]:
    """Card payments happening now; one in `suspicious_every` is large and online at a new
    merchant: the pattern the test model alerts on."""
    rng = random.Random(seed)
    now = datetime.now(KST).replace(microsecond=0)
    rows = []
    for i in range(count):
        suspicious = i % suspicious_every == suspicious_every - 1
        merchant = f"M{rng.randint(0, 30)}"
        rows.append(
            {
                "external_id": f"{prefix}-{i}",
                "customer_id": f"{prefix[:1]}C{rng.randrange(customers)}",
                "customer": {"birth_date": "1985-04-02", "segment": "general"},
                "merchant_id": merchant if not suspicious else f"X{rng.randint(0, 5)}",
                "merchant": {
                    "name": f"가맹점 {merchant}",
                    "category": "online_shopping" if suspicious else "convenience",
                    "country": "KR",
                },
                "amount": rng.randint(900_000, 2_000_000) if suspicious else rng.randint(2_000, 30_000),
                "occurred_at": (now - timedelta(seconds=count - i)).isoformat(),
                "channel": "online" if suspicious else "card_present",
            }
        )
    return rows


def post_json(url: str, token: str, body: bytes, *, timeout: float = 30) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            payload = json.loads(error.read() or b"{}")
        except ValueError:
            payload = {}
        return error.code, payload


class Feeder(threading.Thread):
    """Posts `rows` in batches at about `rate` transactions a second, re-sending a batch until it is
    accepted. Records every status code it got and the external ids the API accepted."""

    def __init__(self, url: str, token: str, rows: list[dict[str, Any]], *, batch: int, rate: float) -> None:
        super().__init__(daemon=True)
        self.endpoint = url + "/api/transactions/batch"
        self.token = token
        self.rows = rows
        self.batch = batch
        self.rate = rate
        self.accepted: set[str] = set()
        self.statuses: Counter[int | str] = Counter()
        self.latencies_ms: list[float] = []
        self.stop_event = threading.Event()
        self.finished_at: float | None = None

    def run(self) -> None:
        started = time.perf_counter()
        sent = 0
        for start in range(0, len(self.rows), self.batch):
            chunk = self.rows[start : start + self.batch]
            body = json.dumps({"transactions": chunk}).encode()
            while not self.stop_event.is_set():
                t0 = time.perf_counter()
                try:
                    status, payload = post_json(self.endpoint, self.token, body)
                except OSError as exc:  # connection refused or reset: the server is down
                    self.statuses[type(exc).__name__] += 1
                    time.sleep(0.2)
                    continue
                self.statuses[status] += 1
                if status in (200, 201):
                    self.latencies_ms.append((time.perf_counter() - t0) * 1000)
                    self.accepted.update(payload["created"])
                    self.accepted.update(payload["duplicates"])
                    break
                time.sleep(0.2)
            if self.stop_event.is_set():
                break
            sent += len(chunk)
            # Pace: the n-th row leaves no earlier than n / rate seconds after the start.
            ahead = sent / self.rate - (time.perf_counter() - started)
            if ahead > 0:
                time.sleep(ahead)
        self.finished_at = time.perf_counter()


class FeedSocket(threading.Thread):
    """One analyst's live alert queue over a real websocket, reconnecting like the page does."""

    def __init__(self, url: str, session_key: str) -> None:
        super().__init__(daemon=True)
        self.ws_url = url.replace("http://", "ws://") + "/ws/alerts/"
        self.origin = url
        self.session_key = session_key
        self.received: Counter[int] = Counter()  # alert id -> messages carrying it
        self.repeated: Counter[int] = Counter()  # alert id -> repeats within one connection
        self._this_connection: set[int] = set()
        self.arrived_wall: dict[int, float] = {}  # wall clock, to compare with the server's times
        self.newest: str | None = None
        self.connects = 0
        self.snapshots = 0
        self.connected = threading.Event()
        self.stop_event = threading.Event()
        self.lock = threading.Lock()

    def run(self) -> None:
        from websockets.sync.client import connect

        while not self.stop_event.is_set():
            url = self.ws_url + (f"?since={quote(self.newest)}" if self.newest else "")
            try:
                with connect(
                    url,
                    additional_headers={"Cookie": f"sessionid={self.session_key}", "Origin": self.origin},
                    max_size=None,
                    open_timeout=5,
                ) as socket:
                    self.connects += 1
                    self._this_connection = set()
                    self.connected.set()
                    while not self.stop_event.is_set():
                        try:
                            raw = socket.recv(timeout=0.5)
                        except TimeoutError:
                            continue
                        self._take(json.loads(raw))
            except Exception:  # noqa: S110  # dropped or refused: reconnect as the page does
                pass
            self.connected.clear()
            if not self.stop_event.is_set():
                time.sleep(0.5)

    def _take(self, message: dict[str, Any]) -> None:
        if message.get("type") not in ("snapshot", "rows"):
            return
        if message["type"] == "snapshot":
            self.snapshots += 1
        with self.lock:
            for row in message["rows"]:
                self.received[row["id"]] += 1
                self.arrived_wall.setdefault(row["id"], time.time())
                if row["id"] in self._this_connection:
                    self.repeated[row["id"]] += 1
                self._this_connection.add(row["id"])
                if self.newest is None or row["created"] > self.newest:
                    self.newest = row["created"]

    def ids(self) -> set[int]:
        with self.lock:
            return set(self.received)
