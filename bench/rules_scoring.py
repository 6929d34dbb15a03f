#!/usr/bin/env python
"""What 30 live detection rules cost the scoring batch, measured A/B against no rules.

    .venv/bin/python bench/rules_scoring.py --database-url postgres://postgres@127.0.0.1:5432/fds_bench_scoring

Recreates the database, seeds simulated history and trains a model (as bench/fds_pipeline.py does),
then scores fresh 1,000-transaction batches with `transactions_score` — the function a Celery worker
runs — alternating between a live rule set with no rules and one with 30 (the seeded rules plus 26
benchmark rules over numbers, strings, nulls, lists and smishing evidence). Alternating batches
keeps a busy machine's drift out of the comparison. Prints the median batch time of each and the
throughput lost.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("FDS_BENCH_DATABASE_URL", ""))
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--history-days", type=int, default=14)
    parser.add_argument("--batches", type=int, default=12, help="per configuration")
    parser.add_argument("--batch-size", type=int, default=1_000)
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("--database-url must name a PostgreSQL database (it is recreated)")
    from fds_pipeline import recreate_database

    os.environ.update(
        DATABASE_URL=args.database_url,
        FDS_INSECURE_DEV_KEY="true",
        CELERY_TASK_ALWAYS_EAGER="false",
        FDS_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="fdsportal.settings",
    )
    recreate_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from detection_rules import live_version_install

    from alerts.features import KST
    from alerts.model_versions import model_version_store
    from alerts.schemas import TransactionIn
    from alerts.services import transactions_ingest, transactions_score
    from alerts.simulator import Simulator
    from alerts.training import model_fit, stream_from_db
    from detection.models import RuleSetVersion

    simulator = Simulator(5, customers=args.customers, merchants=max(200, args.customers // 5))
    now = datetime.now(KST).replace(microsecond=0)
    log(f"seeding {args.history_days} days of history for {args.customers:,} customers")
    rows = [
        TransactionIn.model_validate(r)
        for r in simulator.history(now - timedelta(days=args.history_days), args.history_days)
    ]
    for start in range(0, len(rows), 5000):
        ids = transactions_ingest(
            rows=rows[start : start + 5000], source="bench", historical=True, enqueue=False
        )
        transactions_score(transaction_ids=ids.created_ids)
    outcome = model_fit(stream_from_db(), label_delay_days=7)
    model_version_store(
        model=outcome.model,
        metrics=outcome.metrics,
        training_data=outcome.training_data,
        created_by="bench",
        activate=True,
    )
    live_version_install(extra=0, keep_seeded=False)
    empty = RuleSetVersion.objects.get(is_live=True)
    RuleSetVersion.objects.filter(pk=empty.pk).update(is_live=False)
    RuleSetVersion.objects.filter(number=1).update(is_live=True)  # the seeded rules, kept below
    full_count = live_version_install(extra=26)
    full = RuleSetVersion.objects.get(is_live=True)
    log(f"rule sets: v{empty.number} with {empty.rules.count()} rules, v{full.number} with {full_count}")

    needed = args.batches * 2 * args.batch_size
    live = []
    for row, _pattern in simulator.stream(now + timedelta(minutes=1), rate=args.customers * 4 / 86_400):
        live.append(TransactionIn.model_validate(row))
        if len(live) == needed:
            break
    timings: dict[str, list[float]] = {"0 rules": [], f"{full_count} rules": []}
    for b in range(args.batches * 2):
        version = empty if b % 2 == 0 else full
        RuleSetVersion.objects.filter(is_live=True).update(is_live=False)
        RuleSetVersion.objects.filter(pk=version.pk).update(is_live=True)
        chunk = live[b * args.batch_size : (b + 1) * args.batch_size]
        live_ids = transactions_ingest(rows=chunk, source="bench", enqueue=False).created_ids
        started = time.perf_counter()
        result = transactions_score(transaction_ids=live_ids)
        seconds = time.perf_counter() - started
        assert result.scored == len(live_ids)
        timings["0 rules" if version == empty else f"{full_count} rules"].append(seconds)
    medians = {k: statistics.median(v) for k, v in timings.items()}
    base, with_rules = medians["0 rules"], medians[f"{full_count} rules"]
    print(
        json.dumps(
            {
                "batch_size": args.batch_size,
                "batches_each": args.batches,
                "median_batch_seconds": {k: round(v, 4) for k, v in medians.items()},
                "tx_per_s": {k: round(args.batch_size / v) for k, v in medians.items()},
                "throughput_lost_percent": round((1 - base / with_rules) * 100, 1),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
