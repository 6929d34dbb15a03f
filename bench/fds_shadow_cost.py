#!/usr/bin/env python
"""What scoring a challenger in shadow costs the scoring pipeline, measured on the real scoring path.

    .venv/bin/python bench/fds_shadow_cost.py --database-url postgres://postgres@127.0.0.1:5432/fds_bench

It recreates the benchmark database (never point it at data you want to keep), seeds simulated
history, trains a champion and a challenger, stores the live transactions, then scores them in
batches with `alerts.services.transactions_score` (features, XGBoost, rules, TreeSHAP, scores,
alerts, state), alternating batch by batch between shadow scoring on and off so that both see the
same load. Prints one JSON object with both throughputs and the overhead; progress goes to stderr.
The end-to-end pipeline under HTTP and Celery is `bench/fds_pipeline.py [--shadow]`; this isolates
the part shadow scoring changes, and on a shared machine its alternation keeps the comparison fair.

Wall time on a shared host mostly measures the other tenants, so the figure that decides is CPU time:
this process's (`time.process_time`) plus that of its PostgreSQL backend (read from
/proc/<backend pid>/stat; the database runs on the same host), summed per mode. The load average
before and after is printed with the figures. `--profile FILE` writes cProfiles of the shadow-on and
the shadow-off batches to FILE.on and FILE.off (`python -m pstats FILE.on`); profiling slows both modes,
so take the CPU figures from a run without it.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def backend_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a local process (a PostgreSQL backend), or None off-host."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("FDS_BENCH_DATABASE_URL", ""), required=False
    )
    parser.add_argument("--transactions", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--history-days", type=int, default=10)
    parser.add_argument("--profile", default="", help="write cProfiles of both modes to FILE.on / FILE.off")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url is required")
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "FDS_INSECURE_DEV_KEY": "true",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "FDS_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "fdsportal.settings",
    }
    os.environ.update(env)
    log(f"recreating {args.database_url.split('@')[-1]}")
    recreate_database(args.database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    from django.test.utils import override_settings

    from alerts.features import KST
    from alerts.model_versions import model_version_store
    from alerts.models import ModelVersion, ShadowScore
    from alerts.schemas import TransactionIn
    from alerts.services import transactions_ingest, transactions_score
    from alerts.simulator import Simulator
    from alerts.training import model_fit, stream_from_db

    simulator = Simulator(11, customers=args.customers, merchants=max(200, args.customers // 5))
    # Ingest refuses times in the future: the live stream ends now and the history ends where it starts.
    rate = args.customers * 4 / 86_400
    live_start = datetime.now(KST).replace(microsecond=0) - timedelta(seconds=1.2 * args.transactions / rate)
    now = live_start
    log(f"seeding {args.history_days} days of history for {args.customers:,} customers")
    rows = [
        TransactionIn.model_validate(r)
        for r in simulator.history(now - timedelta(days=args.history_days), args.history_days)
    ]
    for start in range(0, len(rows), 5000):
        ids = transactions_ingest(
            rows=rows[start : start + 5000],
            source="bench",
            historical=True,
            enqueue=False,
            accept_labels=True,
        ).created_ids
        transactions_score(transaction_ids=ids)
    log(f"  {len(rows):,} rows; training champion and challenger")
    stream = stream_from_db()
    for seed, name, live in ((0, "bench-champion", True), (1, "bench-challenger", False)):
        outcome = model_fit(stream, label_delay_days=7, seed=seed, version=name)
        model_version_store(
            model=outcome.model,
            metrics=outcome.metrics,
            training_data=outcome.training_data,
            created_by="bench",
            activate=live,
        )
    ModelVersion.objects.filter(name="bench-challenger").update(is_shadow=True)

    live_rows = []
    for row, _pattern in simulator.stream(live_start, rate=rate):
        live_rows.append(TransactionIn.model_validate(row))
        if len(live_rows) == args.transactions:
            break
    ids = transactions_ingest(rows=live_rows, source="bench", enqueue=False).created_ids
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend_pid = cursor.fetchone()[0]
    wall: dict[bool, list[float]] = {False: [], True: []}
    cpu: dict[bool, float] = {False: 0.0, True: 0.0}
    db_cpu: dict[bool, float] = {False: 0.0, True: 0.0}
    counts: dict[bool, int] = {False: 0, True: 0}
    profilers = {mode: cProfile.Profile() for mode in (False, True)} if args.profile else None
    load_before = os.getloadavg()
    log(f"scoring {len(ids):,} live transactions in batches of {args.batch}, shadow alternating")
    for n, start in enumerate(range(0, len(ids), args.batch)):
        shadow = n % 2 == 1
        batch = ids[start : start + args.batch]
        with override_settings(FDS_SHADOW_SCORING=shadow):
            db_began = backend_cpu_seconds(backend_pid)
            cpu_began = time.process_time()
            began = time.perf_counter()
            if profilers is not None:
                profilers[shadow].enable()
            scored = transactions_score(transaction_ids=batch).scored
            if profilers is not None:
                profilers[shadow].disable()
            wall[shadow].append(time.perf_counter() - began)
            cpu[shadow] += time.process_time() - cpu_began
            db_ended = backend_cpu_seconds(backend_pid)
            if db_began is not None and db_ended is not None:
                db_cpu[shadow] += db_ended - db_began
        counts[shadow] += scored
    load_after = os.getloadavg()
    if profilers is not None:
        for mode, profiler in profilers.items():
            profiler.dump_stats(f"{args.profile}.{'on' if mode else 'off'}")

    def per_tx_ms(seconds: dict[bool, float], mode: bool) -> float:
        return round(1000 * seconds[mode] / max(1, counts[mode]), 4)

    total = {mode: cpu[mode] + db_cpu[mode] for mode in (False, True)}
    plain = counts[False] / sum(wall[False])
    with_shadow = counts[True] / sum(wall[True])
    cost_cpu = 1 - (counts[True] / total[True]) / (counts[False] / total[False])
    result = {
        "transactions": len(ids),
        "batch": args.batch,
        "shadow_scores_stored": ShadowScore.objects.count(),
        "cpu_ms_per_transaction": {
            "without_shadow": {"worker": per_tx_ms(cpu, False), "postgres": per_tx_ms(db_cpu, False)},
            "with_shadow": {"worker": per_tx_ms(cpu, True), "postgres": per_tx_ms(db_cpu, True)},
        },
        "throughput_cost_percent_cpu": round(100 * cost_cpu, 1),
        "scored_per_second_wall": {"without_shadow": round(plain), "with_shadow": round(with_shadow)},
        "batch_seconds_median_wall": {
            "without_shadow": round(statistics.median(wall[False]), 4),
            "with_shadow": round(statistics.median(wall[True]), 4),
        },
        "throughput_cost_percent_wall": round(100 * (1 - with_shadow / plain), 1),
        "profiled": bool(args.profile),
        "load_average": {
            "before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in load_after],
        },
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
