"""The simulated bank: determinism, rhythms, injected fraud, the seed case and the live feed command."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from alerts.features import KST, age_at, local_seconds
from alerts.models import Channel, MerchantCategory, Segment, Transaction
from alerts.schemas import TransactionIn
from alerts.simulator import (
    ACCOUNT_TAKEOVER,
    AMOUNT_SPIKE,
    CARD_TESTING,
    PATTERNS,
    SEED_CASE,
    UNUSUAL_MERCHANT,
    SimEvent,
    Simulator,
    school_time,
    seed_case_transactions,
)

AS_OF = date(2026, 11, 1)
START = datetime(2026, 10, 5, tzinfo=KST)  # a Monday


@pytest.fixture(scope="module")
def month() -> list[SimEvent]:
    """Four weeks of a 1,000-customer bank: enough frauds to measure pattern shares."""
    return list(Simulator(11, customers=1_000, merchants=300, as_of=AS_OF).history_events(START, 28))


def test_same_seed_gives_the_same_bank_and_another_seed_does_not() -> None:
    def run(seed: int) -> list[dict[str, Any]]:
        return list(Simulator(seed, customers=80, merchants=60, as_of=AS_OF).history(START, 3))

    first, again, other = run(3), run(3), run(4)
    assert first == again
    assert len(first) > 300
    assert [r["amount"] for r in first] != [r["amount"] for r in other]
    assert first[0]["external_id"].startswith("sim-3-")
    assert {r["customer_id"] for r in first}.isdisjoint({r["customer_id"] for r in other})


def test_history_is_time_ordered_with_unique_ids(month: list[SimEvent]) -> None:
    times = [e.row["occurred_at"] for e in month]
    assert times == sorted(times)
    assert times[0] >= START and times[-1] < START + timedelta(days=28)
    assert len({e.row["external_id"] for e in month}) == len(month)
    assert all(t.utcoffset() == timedelta(hours=9) for t in times[:100])


def test_every_row_validates_against_the_ingest_schema(month: list[SimEvent]) -> None:
    for event in month[::20] + [e for e in month if e.pattern][:500]:
        row = TransactionIn.model_validate(event.row)
        assert row.is_fraud is (event.pattern is not None)
    categories = {e.row["merchant"]["category"] for e in month}
    assert categories <= set(MerchantCategory.values)
    assert categories == set(MerchantCategory.values)
    assert {e.row["channel"] for e in month} <= set(Channel.values)
    assert {e.row["customer"]["segment"] for e in month} == set(Segment.values) - {Segment.UNKNOWN}


def test_population_covers_all_ages_with_masked_names() -> None:
    population = Simulator(5, customers=500, merchants=200, as_of=AS_OF).population()
    ages = [
        age_at(c.birth_date, local_seconds(datetime(2026, 11, 1, tzinfo=KST))) for c in population.customers
    ]
    known = [a for a in ages if a is not None]
    minors = sum(1 for a in known if 12 <= a <= 18)
    assert minors / len(population.customers) >= 0.15
    assert min(known) == 12 and max(known) >= 80
    assert any(c.segment == "business" and c.birth_date is None for c in population.customers)
    assert all("*" in c.display_name for c in population.customers)
    overseas = {m.country for m in population.merchants if m.category == "overseas"}
    assert {"US", "CN", "NG"} <= overseas
    assert len(population.mule_accounts) >= 8 and len(population.mule_phones) >= 4
    assert {a.customer_id for a in population.accounts} == {c.external_id for c in population.customers}


def test_fraud_share_and_every_pattern_roughly_as_configured(month: list[SimEvent]) -> None:
    counts = Counter(e.pattern for e in month)
    frauds = len(month) - counts[None]
    assert 0.012 <= frauds / len(month) <= 0.018  # default 1.5 %
    sim = Simulator(11, customers=1_000, merchants=300, as_of=AS_OF)
    for pattern in PATTERNS:
        share = counts[pattern] / frauds
        assert abs(share - sim.pattern_shares[pattern]) <= 0.35 * sim.pattern_shares[pattern], (
            pattern,
            share,
        )


def test_fraud_rate_and_pattern_shares_are_configurable() -> None:
    sim = Simulator(
        2,
        customers=300,
        merchants=100,
        fraud_rate=0.05,
        pattern_shares={CARD_TESTING: 1.0, AMOUNT_SPIKE: 1.0},
        as_of=AS_OF,
    )
    counts = Counter(e.pattern for e in sim.history_events(START, 14))
    total = sum(counts.values())
    assert 0.04 <= (total - counts[None]) / total <= 0.06
    assert set(counts) == {None, CARD_TESTING, AMOUNT_SPIKE}


def test_minors_buy_small_after_school_and_the_seed_pattern_hits_school_hours(month: list[SimEvent]) -> None:
    minors = [e.row for e in month if e.pattern is None and e.row["customer"]["segment"] == "youth"]
    assert len(minors) > 2_000
    in_school = sum(school_time(r) for r in minors)
    assert in_school / len(minors) <= 0.05
    small = [r for r in minors if r["merchant"]["category"] in ("ice_cream_discount", "convenience", "game")]
    amounts = sorted(r["amount"] for r in small)
    assert 1_000 <= amounts[len(amounts) // 2] <= 5_000
    weekday_after_school = [
        r for r in minors if r["occurred_at"].weekday() < 5 and r["occurred_at"].hour >= 16
    ]
    assert len(weekday_after_school) / len(minors) > 0.5

    seed_cases = [e.row for e in month if e.pattern == SEED_CASE]
    assert seed_cases
    # Follow-up purchases of an incident may run past 16:00; the incidents start in school hours.
    assert sum(school_time(r) for r in seed_cases) / len(seed_cases) >= 0.9
    assert all(
        r["merchant"]["category"] in ("ice_cream_discount", "convenience", "gift_card") for r in seed_cases
    )
    sweets = [r["amount"] for r in seed_cases if r["merchant"]["category"] != "gift_card"]
    assert sorted(sweets)[len(sweets) // 2] >= 2.5 * amounts[len(amounts) // 2]


def test_injected_patterns_look_like_their_kind(month: list[SimEvent]) -> None:
    sim = Simulator(11, customers=1_000, merchants=300, as_of=AS_OF)
    population = sim.population()
    customers = {c.external_id: c for c in population.customers}

    takeovers = [e.row for e in month if e.pattern == ACCOUNT_TAKEOVER]
    mules = {*population.mule_accounts, *population.mule_phones}
    for row in takeovers:
        assert row["channel"] == "mobile" and row["merchant"]["category"] == "transfer"
        assert (row.get("beneficiary_account") or row.get("beneficiary_phone")) in mules
        assert row["amount"] >= 100_000
    night = sum(1 for r in takeovers if r["occurred_at"].hour < 6)
    assert night / len(takeovers) > 0.3  # 6 of 24 hours, weighted up

    unusual = [e.row for e in month if e.pattern == UNUSUAL_MERCHANT]
    for row in unusual:
        assert row["country"] != "KR" and row["merchant"]["category"] == "overseas"
        customer = customers[row["customer_id"]]
        assert all(m.external_id != row["merchant_id"] for favs in customer.favourites.values() for m in favs)
    assert {r["country"] for r in unusual} & {"US", "CN", "NG"}

    probes = [e.row for e in month if e.pattern == CARD_TESTING]
    by_customer: dict[str, list[dict[str, Any]]] = {}
    for row in probes:
        by_customer.setdefault(row["customer_id"], []).append(row)
    bursts = [rows for rows in by_customer.values() if len(rows) >= 4]
    assert bursts
    for rows in bursts[:20]:
        first = rows[0]["occurred_at"]
        burst = [r for r in rows if r["occurred_at"] - first < timedelta(hours=1)]
        assert all(r["channel"] == "online" for r in burst)
        assert max(r["amount"] for r in burst) >= 50 * min(r["amount"] for r in burst)

    for row in (e.row for e in month if e.pattern == AMOUNT_SPIKE):
        customer = customers[row["customer_id"]]
        assert row["amount"] >= 4.5 * customer.usual_amount(row["merchant"]["category"])


def test_seed_case_helper_is_the_banks_example() -> None:
    rows = seed_case_transactions(friday=date(2026, 11, 20), id_prefix="t-seed")
    for row in rows:
        TransactionIn.model_validate(row)
    last = rows[-1]
    moment = last["occurred_at"].astimezone(KST)
    assert (moment.weekday(), moment.hour, moment.minute) == (4, 7, 0)
    assert last["amount"] == 7_000
    assert last["merchant"]["category"] == "ice_cream_discount"
    assert age_at(last["customer"]["birth_date"], local_seconds(moment)) == 17
    history = rows[:-1]
    assert len(history) >= 30
    assert not any(school_time(r) for r in history)
    mean = sum(r["amount"] for r in history) / len(history)
    assert last["amount"] / mean >= 3.5  # "far above what this customer usually spends"
    assert all(r["occurred_at"] >= rows[0]["occurred_at"] for r in rows)
    assert (last["occurred_at"] - history[0]["occurred_at"]).days >= 29
    assert len({r["external_id"] for r in rows}) == len(rows)
    assert "is_fraud" not in last
    assert seed_case_transactions(friday=date(2026, 11, 20), id_prefix="t-seed", labelled=True)[-1][
        "is_fraud"
    ]
    with pytest.raises(ValueError):
        seed_case_transactions(friday=date(2026, 11, 19))


def test_stream_is_unlabelled_time_ordered_and_holds_the_rate() -> None:
    sim = Simulator(9, customers=400, merchants=150, fraud_rate=0.05, as_of=AS_OF)
    start = datetime(2026, 11, 17, 7, 0, tzinfo=KST)  # a Tuesday morning: the seed pattern is possible
    events: list[SimEvent] = []
    for event in sim.stream(start, rate=50):
        if event.row["occurred_at"] >= start + timedelta(minutes=10):
            break
        events.append(event)
    assert 0.8 * 50 * 600 <= len(events) <= 1.2 * 50 * 600
    assert all("is_fraud" not in e.row for e in events)
    times = [e.row["occurred_at"] for e in events]
    assert times == sorted(times) and times[0] >= start
    assert len({e.row["external_id"] for e in events}) == len(events)
    assert sum(1 for e in events if e.pattern) > 0
    for event in events[:500]:
        TransactionIn.model_validate(event.row)


def test_generation_is_fast() -> None:
    sim = Simulator(1, customers=2_000, merchants=400, as_of=AS_OF)
    sim.population()
    started = time.process_time()  # CPU time: other jobs on a busy CI host do not count
    n = sum(1 for _ in sim.history_events(START, 7))
    rate = n / (time.process_time() - started)
    # Measured ~90k/s of CPU time on the 2-core dev machine; the bound only catches a slow path.
    assert n > 30_000 and rate > 20_000, rate


# --- The live feed command against a local HTTP server -------------------------------------------


class _Recorder(BaseHTTPRequestHandler):
    server: _RecordingServer

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        srv = self.server
        with srv.lock:
            srv.requests.append((time.monotonic(), self.path, self.headers.get("Authorization"), body))
            status = srv.script.pop(0) if srv.script else 200
            ids = [row["external_id"] for row in body["transactions"]]
            if status == 200:
                created = [i for i in ids if i not in srv.stored]
                srv.stored.update(created)
                answer: dict[str, Any] = {
                    "accepted": len(ids),
                    "created": created,
                    "duplicates": [i for i in ids if i not in created],
                }
            else:
                answer = {"detail": "unavailable"}
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


class _RecordingServer(ThreadingHTTPServer):
    def __init__(self, script: list[int]) -> None:
        super().__init__(("127.0.0.1", 0), _Recorder)
        self.lock = threading.Lock()
        self.requests: list[tuple[float, str, str | None, dict[str, Any]]] = []
        self.script = list(script)
        self.stored: set[str] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def api_server(request: pytest.FixtureRequest) -> Iterator[_RecordingServer]:
    server = _RecordingServer(getattr(request, "param", []))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("api_server", [[503]], indirect=True)
def test_stream_paces_posts_and_resends_a_failed_batch_with_the_same_ids(
    api_server: _RecordingServer,
) -> None:
    out = StringIO()
    started = time.monotonic()
    call_command(
        "simulate",
        "stream",
        "--url",
        api_server.url,
        "--token",
        "fds_test",
        "--rate",
        "20",
        "--duration",
        "2",
        "--customers",
        "60",
        "--merchants",
        "40",
        "--seed",
        "4",
        "--report-every",
        "1",
        stdout=out,
    )
    assert time.monotonic() - started < 6
    requests = api_server.requests
    assert len(requests) >= 4
    assert all(path == "/api/transactions/batch" for _, path, _, _ in requests)
    assert all(auth == "Bearer fds_test" for _, _, auth, _ in requests)
    first_ids = [r["external_id"] for r in requests[0][3]["transactions"]]
    resent_ids = [r["external_id"] for r in requests[1][3]["transactions"]]
    assert resent_ids == first_ids  # the 503'd batch again, unchanged
    sent = [row for _, _, _, body in requests for row in body["transactions"]]
    unique = {row["external_id"] for row in sent}
    assert 15 <= len(unique) <= 70  # about 20 a second for 2 s
    assert requests[-1][0] - requests[0][0] >= 1.0  # paced over the run, not sent in one go
    now = datetime.now(KST)
    for row in sent:
        assert "is_fraud" not in row
        validated = TransactionIn.model_validate(row)
        assert abs((now - validated.occurred_at).total_seconds()) < 10
    output = out.getvalue()
    assert "HTTP 503" in output and "stopped:" in output
    assert f"created={len(unique)}" in output.splitlines()[-1]


@pytest.mark.parametrize("api_server", [[422]], indirect=True)
def test_stream_counts_rejected_rows_and_carries_on(api_server: _RecordingServer) -> None:
    out = StringIO()
    call_command(
        "simulate",
        "stream",
        "--url",
        api_server.url,
        "--token",
        "fds_test",
        "--rate",
        "20",
        "--duration",
        "1",
        "--customers",
        "30",
        "--merchants",
        "30",
        "--report-every",
        "5",
        stdout=out,
    )
    assert len(api_server.requests) >= 2
    first_ids = {r["external_id"] for r in api_server.requests[0][3]["transactions"]}
    later_ids = {r["external_id"] for _, _, _, b in api_server.requests[1:] for r in b["transactions"]}
    assert first_ids.isdisjoint(later_ids)  # a rejected batch is not re-sent forever
    assert "rejected with HTTP 422" in out.getvalue()
    assert "errors=0" not in out.getvalue().splitlines()[-1]


def test_stream_keeps_retrying_while_the_api_is_down_and_stops_cleanly_on_sigterm() -> None:
    leaked: list[int] = []

    # Should the command not catch SIGTERM itself, this handler does, and the test fails instead of pytest.
    def mine(signum: int, frame: object) -> None:
        leaked.append(signum)

    outer = signal.signal(signal.SIGTERM, mine)
    timer = threading.Timer(1.5, os.kill, (os.getpid(), signal.SIGTERM))
    out = StringIO()
    try:
        timer.start()
        started = time.monotonic()
        call_command(
            "simulate",
            "stream",
            "--url",
            "http://127.0.0.1:9",
            "--token",
            "fds_x",
            "--rate",
            "50",  # refused
            "--customers",
            "30",
            "--merchants",
            "30",
            stdout=out,
        )
        stopped_after = time.monotonic() - started
    finally:
        timer.cancel()
        restored = signal.signal(signal.SIGTERM, outer)
    assert not leaked
    assert restored is mine  # the command put the previous handler back
    assert stopped_after < 5
    output = out.getvalue()
    assert output.count("re-sending") >= 2  # kept retrying, never crashed
    assert "stopped:" in output and "unsent=" in output


def test_stream_refuses_to_run_without_a_token() -> None:
    with pytest.raises(CommandError, match="token"):
        call_command("simulate", "stream", "--url", "http://127.0.0.1:9", "--token", "", "--duration", "1")


@pytest.mark.parametrize("api_server", [[401]], indirect=True)
def test_stream_stops_loudly_when_the_api_refuses_the_token(api_server: _RecordingServer) -> None:
    # A refused token ends the stream at its first batch; the long duration only keeps a slow machine
    # from reaching the end before that first batch is sent.
    with pytest.raises(CommandError, match="401"):
        call_command(
            "simulate", "stream", "--url", api_server.url, "--token", "fds_wrong", "--duration", "60",
            stdout=StringIO(),
        )  # fmt: skip
    assert len(api_server.requests) == 1  # no hammering with a token that cannot work


# --- The history command through the ingest service ----------------------------------------------


@pytest.mark.django_db
def test_history_command_writes_labelled_history_once() -> None:
    args = [
        "simulate",
        "history",
        "--days",
        "2",
        "--customers",
        "30",
        "--merchants",
        "30",
        "--seed",
        "5",
        "--end",
        "2026-11-20T00:00:00",
        "--fraud-rate",
        "0.08",
        "--batch",
        "100",
    ]
    out = StringIO()
    call_command(*args, stdout=out)
    expected = list(
        Simulator(5, customers=30, merchants=30, fraud_rate=0.08).history(
            datetime(2026, 11, 18, tzinfo=KST), 2
        )
    )
    stored = Transaction.objects.filter(external_id__startswith="sim-5-")
    assert stored.count() == len(expected) > 60
    assert stored.filter(is_fraud=True).count() == sum(1 for r in expected if r["is_fraud"]) > 0
    assert stored.filter(is_fraud__isnull=True).count() == 0
    assert f"wrote {len(expected):,} transactions" in out.getvalue()

    again = StringIO()
    call_command(*args, stdout=again)  # re-running the same history is harmless
    assert Transaction.objects.filter(external_id__startswith="sim-5-").count() == len(expected)
    assert f"({len(expected):,} duplicates skipped)" in again.getvalue()


def test_every_fraud_pattern_has_its_generator_in_the_table():
    from alerts.simulator import PATTERNS, Simulator

    assert tuple(Simulator.FRAUD_GENERATORS) == PATTERNS
