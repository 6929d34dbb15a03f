"""In a real Chromium: an analyst's open alert queue survives a Redis restart and a web server
restart, reconnects by itself and ends up showing every alert, without a reload."""

from __future__ import annotations

import time

import pytest

from tests.faults.checks import assert_scored_exactly_once, wait_all_scored
from tests.faults.clients import Feeder, tx_rows
from tests.faults.stack import PrivateRedis, Stack

pytestmark = [pytest.mark.faults, pytest.mark.browser]

TRANSACTIONS = 600


def test_the_alert_queue_page_reconnects_and_catches_up(
    page, stack: Stack, fault_db, private_redis: PrivateRedis
) -> None:
    _cluster, _url, seeded = fault_db
    stack.start_all()
    page.context.add_cookies([{"name": "sessionid", "value": seeded["sessions"][2], "url": stack.url}])
    page.goto(stack.url + "/alerts/")
    page.wait_for_selector("#feed-status[data-state=live]", timeout=15_000)
    page.evaluate("window.__marker = 'same page'")  # gone if the page reloads

    feeder = Feeder(stack.url, seeded["token"], tx_rows("b", TRANSACTIONS), batch=20, rate=60)
    feeder.start()
    time.sleep(2)
    private_redis.restart(down_seconds=2)
    time.sleep(2)
    # The web server goes away too: the page's socket drops, and it must come back on its own.
    stack.processes["web"].kill()
    page.wait_for_selector("#feed-status[data-state=down]", timeout=10_000)
    stack.start_web()
    page.wait_for_selector("#feed-status[data-state=live]", timeout=20_000)
    feeder.join(60)
    assert not feeder.is_alive() and len(feeder.accepted) == TRANSACTIONS

    result = wait_all_scored(stack.database_url, expected=TRANSACTIONS, timeout=60)
    assert_scored_exactly_once(result, accepted=TRANSACTIONS)
    shown = "#alert-rows tr[id^='alert-']"
    # Polled from here: the page's CSP forbids the eval behind a string wait_for_function.
    rows = page.locator(shown)
    deadline = time.monotonic() + 30
    while rows.count() < result.alerts and time.monotonic() < deadline:
        time.sleep(0.25)
    ids = {
        int(i.removeprefix("alert-")) for i in page.eval_on_selector_all(shown, "rows => rows.map(r => r.id)")
    }
    assert ids == result.alert_ids  # every alert, each once: rows are de-duplicated by id
    # Newest first, whether a row came with the page, a push, a catch-up or a reconnect's snapshot.
    created = page.eval_on_selector_all(shown, "rows => rows.map(r => Date.parse(r.dataset.created))")
    assert created == sorted(created, reverse=True)
    assert page.evaluate("window.__marker") == "same page"
