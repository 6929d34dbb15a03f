"""What the fault tests assert, read straight from the database with SQL (the ORM in the test
process points at pytest-django's own database, not the private one)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from tests.faults.clients import FeedSocket
from tests.faults.stack import database


@dataclass
class Outcome:
    transactions: int
    unscored: int
    scores: int
    alerts: int
    alert_ids: set[int]
    alert_audit_events: int
    suspicious: int


def outcome(url: str) -> Outcome:
    with database(url) as conn:
        transactions, unscored = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE status <> 'scored') FROM alerts_transaction"
        ).fetchone()  # type: ignore[misc]
        [scores] = conn.execute("SELECT count(*) FROM alerts_score").fetchone()  # type: ignore[misc]
        alert_ids = {row[0] for row in conn.execute("SELECT id FROM alerts_alert")}
        [events] = conn.execute(
            "SELECT count(*) FROM audit_auditevent WHERE action = 'alerts.alert.created'"
        ).fetchone()  # type: ignore[misc]
        [suspicious] = conn.execute(
            "SELECT count(*) FROM alerts_transaction WHERE amount >= 900000"
        ).fetchone()  # type: ignore[misc]
    return Outcome(transactions, unscored, scores, len(alert_ids), alert_ids, events, suspicious)


def wait_all_scored(url: str, *, expected: int, timeout: float) -> Outcome:
    deadline = time.monotonic() + timeout
    while True:
        now = outcome(url)
        if (now.transactions >= expected and now.unscored == 0) or time.monotonic() > deadline:
            return now
        time.sleep(0.5)


def wait_delivered(sockets: list[FeedSocket], alert_ids: set[int], *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(alert_ids - s.ids() for s in sockets):
        time.sleep(0.2)


def assert_scored_exactly_once(result: Outcome, *, accepted: int) -> None:
    assert result.transactions == accepted
    assert result.unscored == 0, f"{result.unscored} accepted transactions were never scored"
    assert result.scores == accepted, "a transaction was scored twice or not at all"
    # Every large online payment alerts, once; none of the small ones does.
    assert result.alerts == result.suspicious > 0
    assert result.alert_audit_events == result.alerts, "an alert was recorded twice in the audit trail"


def assert_every_socket_got_every_alert_once(sockets: list[FeedSocket], alert_ids: set[int]) -> None:
    for number, sock in enumerate(sockets):
        missing = alert_ids - sock.ids()
        assert not missing, (
            f"analyst {number} never received {len(missing)} alerts, e.g. {sorted(missing)[:5]}"
        )
        # A reconnect's snapshot repeats the last seconds on purpose (the page de-duplicates by id);
        # within one connection no alert arrives twice.
        twice = dict(sock.repeated.most_common(5))
        assert not twice, f"analyst {number} received alerts twice on one connection: {twice}"
