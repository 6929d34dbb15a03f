"""`manage.py simulate history|stream`: the simulated bank, written as history or fed live to the API."""

from __future__ import annotations

import heapq
import http.client
import itertools
import json
import os
import random
import signal
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from pydantic import ValidationError

from alerts.schemas import TransactionIn
from alerts.simulator import KST, PATTERNS, AlertCadence, SimEvent, Simulator, patterns_active

HISTORY_CHUNK = 5_000
# Statuses worth retrying: the server is busy, restarting or timed out; the request itself is fine.
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
# A wrong token, a missing permission or a wrong URL: every later batch would fail the same way.
FATAL_STATUSES = frozenset({401, 403, 404, 405})
MAX_BACKOFF = 10.0
# When the feed falls this far behind (a long outage), it resumes at the wall clock instead of bursting.
MAX_LAG = 5.0


def _json_default(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


class FeedRefused(Exception):
    """The API refuses the feed itself (bad token, missing permission): retrying cannot help."""


@dataclass
class FeedStats:
    sent: int = 0
    created: int = 0
    duplicates: int = 0
    errors: int = 0
    retries: int = 0
    unsent: int = 0
    frauds: Counter[str] = field(default_factory=Counter)

    def line(self, elapsed: float) -> str:
        frauds = " ".join(f"{p}={self.frauds[p]}" for p in PATTERNS if self.frauds[p]) or "none"
        rate = self.sent / elapsed if elapsed > 0 else 0.0
        return (
            f"{elapsed:7.1f}s sent={self.sent} ({rate:.1f}/s) created={self.created} "
            f"duplicates={self.duplicates} errors={self.errors} retries={self.retries} frauds: {frauds}"
        )


class LiveFeed:
    """Posts simulated transactions to `POST {url}/api/transactions/batch`, paced by simulated time.

    A batch that fails transiently (timeout, refused connection, 5xx, 429) is re-sent unchanged until
    it goes through or the feed is stopped: the API is idempotent by external id, so a re-send after a
    lost response only reports duplicates.
    """

    def __init__(
        self,
        *,
        url: str,
        token: str,
        timeout: float,
        stop: threading.Event,
        log: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoint = url.rstrip("/") + "/api/transactions/batch"
        self.token = token
        self.timeout = timeout
        self.stop = stop
        self.log = log
        self.clock = clock
        self.stats = FeedStats()

    def post(self, events: list[SimEvent]) -> bool:
        """Send one batch until it is answered; False if it was dropped (rejected rows, or stopped)."""
        body = json.dumps(
            {"transactions": [e.row for e in events]}, default=_json_default, ensure_ascii=False
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (--url is checked to be http(s))
            self.endpoint,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
        )
        backoff = 0.5
        while True:
            wait = backoff
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    answer = json.loads(response.read() or b"{}")
                self.stats.sent += len(events)
                self.stats.created += len(answer.get("created", ()))
                self.stats.duplicates += len(answer.get("duplicates", ()))
                self.stats.frauds.update(e.pattern for e in events if e.pattern)
                return True
            except urllib.error.HTTPError as exc:
                try:
                    detail = exc.read()[:2_000].decode("utf-8", "replace")
                except (OSError, http.client.HTTPException):
                    detail = ""
                if exc.code in FATAL_STATUSES:
                    raise FeedRefused(f"{self.endpoint} answered {exc.code}: {detail}") from exc
                if exc.code not in TRANSIENT_STATUSES:
                    self._rejected(events, exc.code, detail)
                    return False
                retry_after = exc.headers.get("Retry-After", "") if exc.headers else ""
                if retry_after.isdigit():
                    wait = min(float(retry_after), 30.0)
                problem = f"HTTP {exc.code}"
            except (
                urllib.error.URLError,
                TimeoutError,
                ConnectionError,
                http.client.HTTPException,
                json.JSONDecodeError,
            ) as exc:
                problem = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
            self.stats.retries += 1
            self.log(f"batch of {len(events)} not delivered ({problem}); re-sending in {wait:.1f}s")
            if self.stop.wait(wait):
                self.stats.unsent += len(events)
                return False
            backoff = min(backoff * 2, MAX_BACKOFF)

    def _rejected(self, events: list[SimEvent], status: int, detail: str) -> None:
        try:
            errors = json.loads(detail).get("errors") or []
        except (ValueError, AttributeError):
            errors = []
        self.stats.errors += len(errors) or len(events)
        self.log(f"batch of {len(events)} rejected with HTTP {status}: {detail[:500]}")

    def run(
        self,
        events: Iterator[SimEvent],
        *,
        sim_start: datetime,
        duration: float | None,
        batch_size: int,
        report_every: float,
        inject: Callable[[datetime], list[SimEvent]] | None = None,
    ) -> FeedStats:
        """Send events when their simulated time comes, until stopped or `duration` seconds passed.

        `inject`, called once a loop with the current simulated moment, may return extra events (an
        injected incident, in time order from that moment); they are sent in turn with the stream's."""
        started = self.clock()
        anchor = started  # monotonic time that corresponds to sim_start
        sim0 = sim_start.timestamp()
        deadline = started + duration if duration else None
        next_report = started + report_every
        extra: list[tuple[float, int, SimEvent]] = []  # injected events by simulated time
        order = itertools.count()
        streamed = next(events)

        def upcoming() -> SimEvent:
            if extra and extra[0][0] <= streamed.row["occurred_at"].timestamp():
                return extra[0][2]
            return streamed

        def advance() -> None:
            nonlocal streamed
            if extra and extra[0][0] <= streamed.row["occurred_at"].timestamp():
                heapq.heappop(extra)
            else:
                streamed = next(events)

        while not self.stop.is_set():
            now = self.clock()
            if deadline is not None and now >= deadline:
                break
            if inject is not None:
                for event in inject(datetime.fromtimestamp(sim0 + (now - anchor), KST)):
                    heapq.heappush(extra, (event.row["occurred_at"].timestamp(), next(order), event))
            due = anchor + (upcoming().row["occurred_at"].timestamp() - sim0)
            if now - due > MAX_LAG:
                anchor += now - due
                due = now
            batch: list[SimEvent] = []
            wall_now = time.time()
            while due <= now and len(batch) < batch_size:
                event = upcoming()
                advance()
                # Live rows happen now: stamp the wall-clock moment the event was due (≤ now).
                event.row["occurred_at"] = datetime.fromtimestamp(wall_now - (now - due), KST)
                batch.append(event)
                due = anchor + (upcoming().row["occurred_at"].timestamp() - sim0)
            if batch:
                self.post(batch)
            else:
                limit = min(due, next_report, deadline if deadline is not None else due)
                self.stop.wait(max(0.0, min(limit - now, 0.5)))
            if self.clock() >= next_report:
                self.log(self.stats.line(self.clock() - started))
                next_report = self.clock() + report_every  # after a long retry: one line, not a burst
        return self.stats


def cadence_parse(value: str) -> tuple[float, float]:
    """`--alert-every 10-30` (or `20`): the seconds between alerts the demo aims for; `0` is off."""
    low_text, _, high_text = value.partition("-")
    try:
        low = float(low_text)
        high = float(high_text) if high_text else low
    except ValueError as exc:
        raise CommandError(f"--alert-every {value!r}: give seconds as LOW-HIGH, e.g. 10-30 (0: off)") from exc
    if low == 0 and high == 0:
        return 0.0, 0.0
    if not 0 < low <= high <= 3_600:
        raise CommandError(f"--alert-every {value!r}: need 0 < LOW <= HIGH <= 3600 seconds")
    return low, high


def latest_alert_at() -> float | None:
    """When the newest alert in this installation's database was raised (epoch seconds), if any."""
    from alerts.models import Alert

    latest = Alert.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    return latest.timestamp() if latest is not None else None


class CadenceInjector:
    """Feeds `AlertCadence` the newest alert from the database and turns its decisions into incidents."""

    def __init__(
        self,
        sim: Simulator,
        cadence: AlertCadence,
        *,
        tag: str,
        latest: Callable[[], float | None] = latest_alert_at,
        check_every: float = 1.0,
    ) -> None:
        self.sim = sim
        self.cadence = cadence
        self.tag = tag
        self.latest = latest
        self.check_every = check_every
        self.rng = random.Random(f"fdsportal-inject:{tag}")
        self._checked = 0.0
        self._n = 0

    def __call__(self, moment: datetime) -> list[SimEvent]:
        now = time.time()
        if now - self._checked >= self.check_every:
            self._checked = now
            seen = self.latest()
            if seen is not None:
                self.cadence.alert_seen(seen)
        if not self.cadence.due(now):
            return []
        pattern = self.cadence.next_pattern(now, active=patterns_active(moment))
        self._n += 1
        return self.sim.incident(pattern, moment, rng=self.rng, id_prefix=f"{self.tag}-inj{self._n}")


class Command(BaseCommand):
    help = (
        "The simulated Korean bank. `simulate history` writes a labelled history through the ingest "
        "service; `simulate stream` posts live transactions to the API at a chosen rate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        history = actions.add_parser("history", help="write a labelled history into the database")
        stream = actions.add_parser("stream", help="post live transactions to the API")
        for sub in (history, stream):
            sub.add_argument("--seed", type=int, default=7)
            # The population depends on seed, customers and merchants: a live stream continues a
            # history only when all three match (the defaults match `demo_setup`).
            sub.add_argument("--customers", type=int, default=1_500)
            sub.add_argument("--merchants", type=int, default=None, help="default: max(200, customers / 5)")
            sub.add_argument(
                "--fraud-rate", type=float, default=0.015, help="share of fraudulent transactions"
            )
        history.add_argument("--days", type=float, default=45.0)
        history.add_argument("--end", default="now", help="'now' or an ISO date-time (Seoul if no offset)")
        history.add_argument("--batch", type=int, default=HISTORY_CHUNK, help="rows per ingest call")
        stream.add_argument("--url", default="http://127.0.0.1:8000")
        stream.add_argument(
            "--token",
            default=os.environ.get("FDS_API_TOKEN", ""),
            help="service token (default: $FDS_API_TOKEN)",
        )
        stream.add_argument(
            "--rate",
            default="20",
            help="transactions per second, or 'natural': the simulated customers' own pace (as in the history)",
        )
        stream.add_argument(
            "--alert-every",
            default="0",
            help="LOW-HIGH seconds: inject a fraud incident whenever no alert appeared for a random gap in "
            "that range (reads the newest alert from the database); 0 (default) is off",
        )
        stream.add_argument(
            "--duration", type=float, default=0.0, help="seconds to run (default: until stopped)"
        )
        stream.add_argument("--batch", type=int, default=500, help="most rows per request")
        stream.add_argument("--timeout", type=float, default=10.0, help="HTTP timeout in seconds")
        stream.add_argument("--report-every", type=float, default=5.0, help="seconds between progress lines")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if options["merchants"] is None:
            options["merchants"] = max(200, options["customers"] // 5)
        if options["customers"] < 1 or options["merchants"] < 1:
            raise CommandError("--customers and --merchants must be at least 1")
        if not 0.0 <= options["fraud_rate"] < 0.5:
            raise CommandError("--fraud-rate must lie in [0, 0.5)")
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        if action == "history":
            self._history(**options)
        else:
            self._stream(**options)

    def _say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()  # progress must reach a log file while the command runs

    # -- history ------------------------------------------------------------------------------------

    def _history(
        self,
        *,
        seed: int,
        customers: int,
        merchants: int,
        fraud_rate: float,
        days: float,
        end: str,
        batch: int,
        **_: Any,
    ) -> None:
        from alerts.services import scoring_enqueue, transactions_ingest

        if days <= 0:
            raise CommandError("--days must be positive")
        if end == "now":
            end_at = datetime.now(KST).replace(microsecond=0)
        else:
            try:
                end_at = datetime.fromisoformat(end)
            except ValueError as exc:
                raise CommandError(f"--end {end!r}: not an ISO date-time") from exc
            if end_at.tzinfo is None:
                end_at = end_at.replace(tzinfo=KST)
        start_at = end_at - timedelta(days=days)
        sim = Simulator(seed, customers=customers, merchants=merchants, fraud_rate=fraud_rate)
        population = sim.population()
        self._say(
            f"simulating {days:g} days from {start_at:%Y-%m-%d %H:%M} to {end_at:%Y-%m-%d %H:%M} (Seoul) "
            f"for {len(population.customers):,} customers and {len(population.merchants):,} merchants, "
            f"seed {seed}"
        )
        from alerts.customer_master import MasterCustomerIn, customer_master_import

        records = [MasterCustomerIn.model_validate(r) for r in population.master_records()]
        for first in range(0, len(records), 2000):
            customer_master_import(records=records[first : first + 2000], source=f"simulator:seed{seed}")
        started = time.monotonic()
        totals = FeedStats()
        chunk: list[TransactionIn] = []
        patterns: Counter[str] = Counter()

        def flush() -> None:
            # Stored as history: folded into behaviour state in time order, never scored or alerted.
            result = transactions_ingest(
                rows=chunk, source=f"simulator:seed{seed}", historical=True, enqueue=False, accept_labels=True
            )
            totals.created += len(result.created)
            totals.duplicates += len(result.duplicates)
            scoring_enqueue(transaction_ids=result.created_ids)
            chunk.clear()

        for event in sim.history_events(start_at, days):
            try:
                chunk.append(TransactionIn.model_validate(event.row))
            except ValidationError as exc:  # a simulator bug, not bad input: stop loudly
                raise CommandError(f"simulated row {event.row.get('external_id')} is invalid: {exc}") from exc
            totals.sent += 1
            if event.pattern:
                patterns[event.pattern] += 1
            if len(chunk) >= batch:
                flush()
                if totals.sent % (batch * 10) == 0:
                    self._say(f"  {totals.sent:,} rows…")
        if chunk:
            flush()
        frauds = sum(patterns.values())
        share = 100.0 * frauds / totals.sent if totals.sent else 0.0
        self._say(
            f"wrote {totals.created:,} transactions ({totals.duplicates:,} duplicates skipped) in "
            f"{time.monotonic() - started:.1f} s; {frauds:,} frauds ({share:.2f} %): "
            + (", ".join(f"{p}={patterns[p]:,}" for p in PATTERNS) or "none")
        )
        self._say(
            f"mule accounts: {len(population.mule_accounts)}, mule phones: {len(population.mule_phones)} "
            "(alerts.simulator.Simulator(...).population() lists them)"
        )

    # -- stream -------------------------------------------------------------------------------------

    def _stream(
        self,
        *,
        seed: int,
        customers: int,
        merchants: int,
        fraud_rate: float,
        url: str,
        token: str,
        rate: str,
        alert_every: str,
        duration: float,
        batch: int,
        timeout: float,
        report_every: float,
        **_: Any,
    ) -> None:
        if not token:
            raise CommandError("--token (or $FDS_API_TOKEN) is required")
        pace: float | None = None
        if rate != "natural":
            try:
                pace = float(rate)
            except ValueError as exc:
                raise CommandError("--rate must be a number of transactions per second or 'natural'") from exc
            if not pace > 0:
                raise CommandError("--rate must be positive")
        low, high = cadence_parse(alert_every)
        if not url.startswith(("http://", "https://")):
            raise CommandError("--url must start with http:// or https://")
        stop = threading.Event()
        previous: dict[signal.Signals, Any] = {}

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                previous[signum] = signal.signal(signum, on_signal)
        feed = LiveFeed(url=url, token=token, timeout=timeout, stop=stop, log=self._say)
        sim = Simulator(seed, customers=customers, merchants=merchants, fraud_rate=fraud_rate)
        start = datetime.now(KST)
        shown = f"{pace:g}" if pace is not None else f"{sim.natural_rate():.2f} (the customers' own pace)"
        cadence_text = f", an alert every {low:g}-{high:g} s" if high else ""
        self._say(
            f"streaming about {shown} tx/s to {feed.endpoint} ({customers:,} customers, seed {seed}, "
            f"fraud rate {fraud_rate:.2%}{cadence_text}); Ctrl-C stops"
        )
        inject = None
        if high:
            cadence = AlertCadence(low=low, high=high, start=time.time(), seed=seed)
            inject = CadenceInjector(sim, cadence, tag=f"sim-{seed}-{start:%Y%m%d%H%M%S}")
        started = time.monotonic()
        try:
            stats = feed.run(
                sim.stream(start, rate=pace),
                sim_start=start,
                duration=duration or None,
                batch_size=batch,
                report_every=report_every,
                inject=inject,
            )
        except FeedRefused as exc:
            raise CommandError(str(exc)) from exc
        finally:
            for signalled, handler in previous.items():
                signal.signal(signalled, handler)
        unsent = f" unsent={stats.unsent}" if stats.unsent else ""
        self._say("stopped: " + stats.line(time.monotonic() - started) + unsent)
