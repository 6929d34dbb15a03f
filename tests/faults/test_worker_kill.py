"""A Celery worker SIGKILLed in the middle of a scoring batch: every transaction is still scored
exactly once, no alert is raised twice, and every analyst's open queue gets every alert."""

from __future__ import annotations

import pytest

from tests.faults.checks import (
    assert_every_socket_got_every_alert_once,
    assert_scored_exactly_once,
    wait_all_scored,
    wait_delivered,
)
from tests.faults.clients import Feeder, FeedSocket, tx_rows
from tests.faults.stack import Stack, children_of, database, kill, wait_until

pytestmark = pytest.mark.faults

TRANSACTIONS = 3000


def _batch_in_progress(url: str) -> bool:
    """A scoring batch holds its transactions' row locks (FOR UPDATE) until it commits: the table
    then carries a RowShareLock, which ingest never takes."""
    with database(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'alerts_transaction' AND l.mode = 'RowShareLock' AND l.granted"
        ).fetchone()
    return bool(row and row[0])


def _scored(url: str) -> int:
    with database(url) as conn:
        row = conn.execute("SELECT count(*) FROM alerts_score").fetchone()
    return int(row[0]) if row else 0


def _stream_and_kill(stack: Stack, seeded: dict, *, kill_pid, kills: int) -> tuple[list[FeedSocket], Feeder]:
    sockets = [FeedSocket(stack.url, key) for key in seeded["sessions"][:2]]
    for sock in sockets:
        sock.start()
    for sock in sockets:
        assert sock.connected.wait(10), "the analysts' queues did not connect"
    feeder = Feeder(stack.url, seeded["token"], tx_rows("k", TRANSACTIONS), batch=500, rate=5000)
    feeder.start()
    for _ in range(kills):
        # Kill only once some batches are done and another is half-way: its work must roll back.
        wait_until(
            lambda: _scored(stack.database_url) > 0 and _batch_in_progress(stack.database_url),
            timeout=60,
            interval=0.01,
            what="a scoring batch in progress",
        )
        kill(kill_pid())
    feeder.join(60)
    assert feeder.accepted and len(feeder.accepted) == TRANSACTIONS
    assert set(feeder.statuses) <= {200, 201}, feeder.statuses
    return sockets, feeder


def test_a_pool_process_killed_mid_batch_loses_nothing_and_alerts_once(stack: Stack, fault_db) -> None:
    """SIGKILL of the process running the task (the OOM killer's choice): the worker's main process
    sees it die and hands the unacknowledged batch back to the queue (acks_late +
    reject_on_worker_lost); the re-run finds the killed batch's rows unscored, its work rolled back."""
    _cluster, _url, seeded = fault_db
    stack.start_all(pool="prefork")
    worker = stack.processes["worker"]

    def pool_process() -> int:
        [child] = children_of(worker.pid)
        return child

    sockets, _feeder = _stream_and_kill(stack, seeded, kill_pid=pool_process, kills=2)
    result = wait_all_scored(stack.database_url, expected=TRANSACTIONS, timeout=90)
    assert "exited with 'signal 9 (SIGKILL)'" in worker.log_tail(1_000_000)
    assert_scored_exactly_once(result, accepted=TRANSACTIONS)
    wait_delivered(sockets, result.alert_ids, timeout=15)
    assert_every_socket_got_every_alert_once(sockets, result.alert_ids)
    for sock in sockets:
        sock.stop_event.set()


def test_a_whole_worker_killed_mid_batch_is_made_good_by_the_sweeper(stack: Stack, fault_db) -> None:
    """SIGKILL of the whole worker (a lost host): its unacknowledged message only returns after the
    visibility timeout, an hour away. A replacement worker and the beat sweeper score the rest, the
    killed batch included, well before that."""
    _cluster, _url, seeded = fault_db
    stack.start_all(pool="solo")
    worker = stack.processes["worker"]
    sockets, _feeder = _stream_and_kill(stack, seeded, kill_pid=lambda: worker.pid, kills=1)
    assert not worker.alive()
    stack.start_worker("replacement", pool="solo")
    result = wait_all_scored(stack.database_url, expected=TRANSACTIONS, timeout=90)
    assert_scored_exactly_once(result, accepted=TRANSACTIONS)
    wait_delivered(sockets, result.alert_ids, timeout=15)
    assert_every_socket_got_every_alert_once(sockets, result.alert_ids)
    for sock in sockets:
        sock.stop_event.set()
