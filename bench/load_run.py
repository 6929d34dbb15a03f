#!/usr/bin/env python
"""A bounded load run: transactions streamed at a fixed rate while analysts' live queues are open.

    .venv/bin/python bench/load_run.py                    # 500 tx/s for 60 s, 20 analysts
    .venv/bin/python bench/load_run.py --rate 200 --seconds 20 --analysts 5

Everything runs on loopback against private services that the run starts and removes: a PostgreSQL
cluster (initdb + pg_ctl; as root it runs as the postgres user) and a redis-server, each on a free
port, plus the production processes (uvicorn, one Celery worker, Celery beat). The feed sends
`rate × seconds` transactions, no more, in batches through the API, paced to the rate; one in
`--alert-every` is built to alert. Each analyst holds the live alert queue's websocket, as the page
does, reconnecting with `?since=` if dropped.

It prints one JSON object:
* achieved tx/s at the API, and the API's answer time per batch (p50/p95/p99);
* scoring lag, from a transaction being accepted to its score (p50/p95/p99/max), and how long the
  worker needed after the feed stopped;
* alerts created in the database against alerts delivered to each socket (none may be missing), and
  the delay from an alert's creation to its arrival on the sockets (p50/p95/p99).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fdsportal.settings")
os.environ.setdefault("FDS_INSECURE_DEV_KEY", "true")


def log(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[k], 1)


def spread(values: list[float]) -> dict[str, float | None]:
    return {
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": round(max(values), 1) if values else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=int, default=500, help="transactions a second")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--analysts", type=int, default=20, help="open live alert queues")
    parser.add_argument("--batch", type=int, default=250, help="transactions per API request")
    parser.add_argument("--clients", type=int, default=2, help="concurrent feed connections")
    parser.add_argument("--alert-every", type=int, default=10, help="one transaction in N alerts")
    parser.add_argument("--drain-timeout", type=int, default=300, help="seconds to wait for scoring")
    args = parser.parse_args()
    if not (1 <= args.rate <= 5000 and 1 <= args.seconds <= 600 and 1 <= args.analysts <= 200):
        parser.error("the run is bounded: rate ≤ 5000/s, seconds ≤ 600, analysts ≤ 200")

    from tests.faults.clients import Feeder, FeedSocket, tx_rows
    from tests.faults.stack import PrivatePostgres, PrivateRedis, Stack, database, missing_binaries, seed

    missing = missing_binaries()
    if missing:
        sys.exit(f"the load run starts private services and needs: {', '.join(missing)}")
    directory = Path(tempfile.mkdtemp(prefix="fds-load-"))
    cluster = PrivatePostgres()
    redis = PrivateRedis(directory)
    stack: Stack | None = None
    sockets: list[FeedSocket] = []
    try:
        log(f"private PostgreSQL on :{cluster.port}, Redis; seeding ({directory})")
        cluster.init()
        cluster.execute('CREATE DATABASE "fds_load"')
        url = cluster.url("fds_load")
        seeded = seed(url, directory, analysts=args.analysts)
        redis.start()
        stack = Stack(url, redis.url, directory)
        stack.start_all()
        log(f"web {stack.url}, 1 Celery worker, beat; connecting {args.analysts} analysts")
        sockets = [FeedSocket(stack.url, key) for key in seeded["sessions"]]
        for sock in sockets:
            sock.start()
        for sock in sockets:
            if not sock.connected.wait(30):
                raise RuntimeError("an analyst's websocket did not connect")

        load_at_start = round(os.getloadavg()[0], 1)
        total = args.rate * args.seconds
        rows = tx_rows("L", total, customers=5000, suspicious_every=args.alert_every)
        shares = [rows[i :: args.clients] for i in range(args.clients)]
        feeders = [
            Feeder(stack.url, seeded["token"], share, batch=args.batch, rate=args.rate / args.clients)
            for share in shares
        ]
        log(f"streaming {total:,} transactions at {args.rate}/s from {args.clients} clients")
        started = time.perf_counter()
        for feeder in feeders:
            feeder.start()
        for feeder in feeders:
            feeder.join(args.seconds * 3 + 60)
            feeder.stop_event.set()
        fed = max(f.finished_at or time.perf_counter() for f in feeders) - started
        accepted = sum(len(f.accepted) for f in feeders)
        log(f"  fed in {fed:.1f} s; waiting for scoring to drain")

        drain_started = time.perf_counter()
        with database(url) as conn:
            while time.perf_counter() - drain_started < args.drain_timeout:
                [unscored] = conn.execute(  # type: ignore[misc]
                    "SELECT count(*) FROM alerts_transaction WHERE status <> 'scored'"
                ).fetchone()
                if unscored == 0:
                    break
                time.sleep(0.5)
            drained = time.perf_counter() - drain_started
            lags = [
                float(ms)
                for (ms,) in conn.execute(
                    "SELECT extract(epoch FROM s.created_at - t.received_at) * 1000 "
                    "FROM alerts_score s JOIN alerts_transaction t ON t.id = s.transaction_id"
                )
            ]
            alerts = {
                pk: created.timestamp()
                for pk, created in conn.execute("SELECT id, created_at FROM alerts_alert")
            }
            [stored] = conn.execute("SELECT count(*) FROM alerts_transaction").fetchone()  # type: ignore[misc]

        # Give the sockets the catch-up period to bring anything a push missed.
        deadline = time.perf_counter() + 15
        while time.perf_counter() < deadline and any(set(alerts) - s.ids() for s in sockets):
            time.sleep(0.2)
        delivered = [len(set(alerts) & s.ids()) for s in sockets]
        delays = [
            (sock.arrived_wall[pk] - created) * 1000
            for sock in sockets
            for pk, created in alerts.items()
            if pk in sock.arrived_wall
        ]
        statuses: dict[str, int] = {}
        for feeder in feeders:
            for status, count in feeder.statuses.items():
                statuses[str(status)] = statuses.get(str(status), 0) + count
        result: dict[str, Any] = {
            "setup": {
                "cores": os.cpu_count(),
                "load_average_1min_at_start": load_at_start,
                "rate_target": args.rate,
                "seconds_target": args.seconds,
                "batch": args.batch,
                "clients": args.clients,
                "analysts": args.analysts,
                "alert_every": args.alert_every,
                "web": "1 uvicorn process",
                "workers": "1 Celery worker (prefork, 1 process) + beat",
            },
            "ingest": {
                "sent": total,
                "accepted": accepted,
                "stored": stored,
                "seconds": round(fed, 2),
                "achieved_tx_per_s": round(accepted / fed, 1),
                "http_statuses": statuses,
                "answer_ms": spread([ms for f in feeders for ms in f.latencies_ms]),
            },
            "scoring": {
                "scored": len(lags),
                "unscored": stored - len(lags),
                "lag_ms": spread(lags),
                "drain_after_feed_s": round(drained, 2),
            },
            "alerts": {
                "created": len(alerts),
                "delivered_per_socket_min": min(delivered),
                "delivered_per_socket_max": max(delivered),
                "lost_on_any_socket": sum(len(alerts) - d for d in delivered),
                "socket_reconnects": sum(s.connects - 1 for s in sockets),
                "delivery_ms": spread(delays),
            },
        }
        print(json.dumps(result, indent=2))
        ok = result["alerts"]["lost_on_any_socket"] == 0 and result["scoring"]["unscored"] == 0
        return 0 if ok else 1
    finally:
        for sock in sockets:
            sock.stop_event.set()
        if stack is not None:
            stack.stop()
        redis.kill()
        cluster.destroy()


if __name__ == "__main__":
    sys.exit(main())
