"""PostgreSQL stopped and started again under a running product. While it is down, the API and the
pages answer 503 with Retry-After (a client retries; nobody is told "bug"), and once it is back
everything recovers by itself: no process is restarted, nothing accepted is lost."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from email.message import Message

import pytest

from tests.faults.checks import (
    assert_every_socket_got_every_alert_once,
    assert_scored_exactly_once,
    wait_all_scored,
    wait_delivered,
)
from tests.faults.clients import Feeder, post_json, tx_rows
from tests.faults.stack import PrivatePostgres, Stack, wait_until

pytestmark = pytest.mark.faults

TRANSACTIONS = 1500


def _get(url: str, **headers: str) -> tuple[int, Message, str]:
    """Status, headers (looked up case-insensitively) and body."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def _sign_in(url: str, username: str) -> int:
    """Through the real login form: GET for the CSRF cookie and token, then POST."""
    import http.cookiejar
    import re
    from urllib.parse import urlencode

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(url + "/login/", timeout=10).read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match, "the login form has no CSRF token"
    body = urlencode(
        {"username": username, "password": "wrong-but-irrelevant", "csrfmiddlewaretoken": match[1]}
    )
    try:
        with opener.open(urllib.request.Request(url + "/login/", data=body.encode()), timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_postgres_down_answers_503_and_everything_recovers_by_itself(
    stack: Stack, fault_db, analysts_watching
) -> None:
    cluster: PrivatePostgres
    cluster, _url, seeded = fault_db
    stack.start_all()
    sockets = analysts_watching(2)
    token = {"Authorization": f"Bearer {seeded['token']}"}
    analyst = {"Cookie": f"sessionid={seeded['sessions'][0]}"}
    feeder = Feeder(stack.url, seeded["token"], tx_rows("p", TRANSACTIONS), batch=50, rate=150)
    feeder.start()
    time.sleep(3)

    cluster.stop("fast")  # every connection of every process is cut
    try:
        status, headers, body = _get(stack.url + "/api/transactions/p-0", **token)
        assert status == 503 and headers["Retry-After"] == "5", body
        assert "사용할 수 없습니다" in json.loads(body)["detail"]  # FDS_REASON_LANGUAGE: Korean
        batch = b'{"transactions": []}'
        assert post_json(stack.url + "/api/transactions/batch", seeded["token"], batch)[0] == 503
        status, headers, body = _get(stack.url + "/alerts/", **analyst)
        assert status == 503 and "text/html" in headers["Content-Type"], body
        assert 'data-testid="unavailable"' in body
        assert _sign_in(stack.url, "faults-analyst1") == 503
        assert _get(stack.url + "/healthz")[0] == 503  # the load balancer takes it out, not alarms
        time.sleep(2)  # the feed keeps re-sending its batch, getting 503s
    finally:
        cluster.start()

    # Recovery without restarting anything: the same processes serve again within seconds.
    wait_until(lambda: _get(stack.url + "/healthz")[0] == 200, timeout=30, what="the web server to recover")
    assert _get(stack.url + "/alerts/", **analyst)[0] == 200
    assert _get(stack.url + "/api/transactions/p-0", **token)[0] == 200
    feeder.join(90)
    assert not feeder.is_alive()
    assert 500 not in feeder.statuses, feeder.statuses
    assert feeder.statuses[503] > 0, "the outage was never seen by the feed"
    assert len(feeder.accepted) == TRANSACTIONS

    # Batches interrupted mid-scoring are retried by the worker, or re-queued by the sweeper.
    result = wait_all_scored(stack.database_url, expected=TRANSACTIONS, timeout=90)
    assert_scored_exactly_once(result, accepted=TRANSACTIONS)
    wait_delivered(sockets, result.alert_ids, timeout=20)
    assert_every_socket_got_every_alert_once(sockets, result.alert_ids)
