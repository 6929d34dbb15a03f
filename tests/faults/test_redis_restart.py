"""Redis killed and restarted while transactions stream in. Redis keeps nothing across the restart
(no persistence, like the production cache and broker): queued scoring tasks and pub/sub
subscriptions vanish. Nothing accepted may be lost, scoring must resume by itself, and analysts'
open queues must catch up."""

from __future__ import annotations

import time

import pytest

from tests.faults.checks import (
    assert_every_socket_got_every_alert_once,
    assert_scored_exactly_once,
    wait_all_scored,
    wait_delivered,
)
from tests.faults.clients import Feeder, tx_rows
from tests.faults.stack import PrivateRedis, Stack

pytestmark = pytest.mark.faults

TRANSACTIONS = 2400
RATE = 200  # transactions a second: the stream lasts about 12 s, the outage 3 s of it


def test_redis_restart_mid_stream_loses_nothing_and_queues_catch_up(
    stack: Stack, fault_db, analysts_watching, private_redis: PrivateRedis
) -> None:
    _cluster, _url, seeded = fault_db
    stack.start_all()
    sockets = analysts_watching(2)
    feeder = Feeder(stack.url, seeded["token"], tx_rows("r", TRANSACTIONS), batch=40, rate=RATE)
    feeder.start()
    time.sleep(4)
    private_redis.restart(down_seconds=3)
    feeder.join(90)
    assert not feeder.is_alive()
    # Ingest needs only the database: the API kept accepting while Redis was down.
    assert set(feeder.statuses) <= {200, 201}, feeder.statuses
    assert len(feeder.accepted) == TRANSACTIONS

    result = wait_all_scored(stack.database_url, expected=TRANSACTIONS, timeout=60)
    assert_scored_exactly_once(result, accepted=TRANSACTIONS)
    wait_delivered(sockets, result.alert_ids, timeout=20)
    assert_every_socket_got_every_alert_once(sockets, result.alert_ids)
