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

TRANSACTIONS = 2000


def _batch_in_progress(url: str, worker: str) -> bool:
    """A scoring batch holds its transactions' row locks (FOR UPDATE) until it commits: the table
    then carries a RowShareLock, which ingest never takes. Processes name themselves to PostgreSQL,
    so this says which worker's batch it is."""
    with database(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "JOIN pg_stat_activity a ON a.pid = l.pid WHERE c.relname = 'alerts_transaction' "
            "AND l.mode = 'RowShareLock' AND l.granted AND a.application_name = %s",
            [worker],
        ).fetchone()
    return bool(row and row[0])


def _scored(url: str) -> int:
    with database(url) as conn:
        row = conn.execute("SELECT count(*) FROM alerts_score").fetchone()
    return int(row[0]) if row else 0


def _stream_and_kill(
    stack: Stack, seeded: dict, sockets: list[FeedSocket], *, kill_pid, kills: int
) -> Feeder:
    feeder = Feeder(stack.url, seeded["token"], tx_rows("k", TRANSACTIONS), batch=500, rate=5000)
    feeder.start()
    for _ in range(kills):
        # Kill only once some batches are done and another is half-way: its work must roll back.
        wait_until(
            lambda: _scored(stack.database_url) > 0 and _batch_in_progress(stack.database_url, "worker"),
            timeout=60,
            interval=0.01,
            what="a scoring batch in progress",
        )
        kill(kill_pid())
    feeder.join(60)
    assert feeder.accepted and len(feeder.accepted) == TRANSACTIONS
    assert set(feeder.statuses) <= {200, 201}, feeder.statuses
    return feeder


def test_a_pool_process_killed_mid_batch_loses_nothing_and_alerts_once(
    stack: Stack, fault_db, analysts_watching
) -> None:
    """SIGKILL of the process running the task (the OOM killer's choice): the worker's main process
    sees it die and hands the unacknowledged batch back to the queue (acks_late +
    reject_on_worker_lost); the re-run finds the killed batch's rows unscored, its work rolled back."""
    _cluster, _url, seeded = fault_db
    stack.start_all(pool="prefork")
    worker = stack.processes["worker"]

    def pool_process() -> int:
        [child] = children_of(worker.pid)
        return child

    sockets = analysts_watching(2)
    _stream_and_kill(stack, seeded, sockets, kill_pid=pool_process, kills=2)
    result = wait_all_scored(stack.database_url, expected=TRANSACTIONS, timeout=90)
    assert "exited with 'signal 9 (SIGKILL)'" in worker.log_tail(1_000_000)
    assert_scored_exactly_once(result, accepted=TRANSACTIONS)
    wait_delivered(sockets, result.alert_ids, timeout=15)
    assert_every_socket_got_every_alert_once(sockets, result.alert_ids)


def test_a_whole_worker_killed_mid_batch_is_made_good_by_the_sweeper(
    stack: Stack, fault_db, analysts_watching
) -> None:
    """SIGKILL of a whole worker (a lost host) while another keeps running: the dead worker's
    unacknowledged message only returns after the visibility timeout, an hour away. The surviving
    worker scores the rest, and the beat sweeper re-queues the killed batch well before that."""
    _cluster, _url, seeded = fault_db
    stack.start_all(pool="solo", workers=("worker", "survivor"))
    worker = stack.processes["worker"]
    sockets = analysts_watching(2)
    _stream_and_kill(stack, seeded, sockets, kill_pid=lambda: worker.pid, kills=1)
    assert not worker.alive() and stack.processes["survivor"].alive()
    result = wait_all_scored(stack.database_url, expected=TRANSACTIONS, timeout=90)
    assert_scored_exactly_once(result, accepted=TRANSACTIONS)
    wait_delivered(sockets, result.alert_ids, timeout=15)
    assert_every_socket_got_every_alert_once(sockets, result.alert_ids)
