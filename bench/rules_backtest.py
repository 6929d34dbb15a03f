#!/usr/bin/env python
"""Backtest speed: a 30-rule draft against a 30-rule live version over 1M scored transactions.

    .venv/bin/python bench/rules_backtest.py --database-url postgres://postgres@127.0.0.1:5432/fds_bench_rules

Recreates the database (never point it at data you want to keep), seeds scored transactions with
the full stored feature vector through COPY, then runs the backtest exactly as the Celery task does
(`detection.services.backtest_run`) and prints one JSON object with the time it took.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("FDS_BENCH_DATABASE_URL", ""), required=False
    )
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--rules", type=int, default=30)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database; only backtest")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("--database-url must name a PostgreSQL database (it is recreated)")

    from fds_pipeline import recreate_database

    env = {
        "DATABASE_URL": args.database_url,
        "FDS_INSECURE_DEV_KEY": "true",
        # Queued, not run on commit: the backtest is run and timed below, as the worker would.
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "FDS_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "fdsportal.settings",
    }
    os.environ.update(env)
    if not args.reuse:
        log(f"recreating {args.database_url.split('@')[-1]}")
        recreate_database(args.database_url)
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from detection_rules import bench_rules, live_version_install

    from alerts.features import FEATURE_NAMES
    from alerts.models import Customer, Merchant, ModelVersion
    from detection import services
    from detection.models import Rule

    if args.reuse:
        return _backtest(args)
    seeded_at = time.perf_counter()
    rng = random.Random(3)
    model = ModelVersion.objects.create(name="bench", artifact=b"x", threshold=0.5, is_active=True)
    Customer.objects.bulk_create(
        [
            Customer(external_id=f"C{i}", segment=rng.choice(["general", "youth", "senior"]))
            for i in range(20_000)
        ]
    )
    Merchant.objects.bulk_create(
        [
            Merchant(external_id=f"M{i}", category=rng.choice(["game", "convenience", "cafe"]))
            for i in range(2_000)
        ]
    )
    first_customer = Customer.objects.order_by("id").values_list("id", flat=True).first()
    first_merchant = Merchant.objects.order_by("id").values_list("id", flat=True).first()
    assert first_customer is not None and first_merchant is not None
    now = datetime.now(UTC)
    log(f"seeding {args.transactions:,} scored transactions")
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(
            "COPY alerts_transaction (id, external_id, customer_id, merchant_id, beneficiary_account, "
            "beneficiary_phone, amount, occurred_at, channel, country, received_at, status, is_fraud, "
            "label_source, fraud_counted) FROM STDIN"
        ) as copy:
            for i in range(1, args.transactions + 1):
                when = now - timedelta(seconds=rng.uniform(0, args.days * 86_400))
                transfer = rng.random() < 0.2
                copy.write_row(
                    (
                        i,
                        f"T{i}",
                        first_customer + rng.randrange(20_000),
                        None if transfer else first_merchant + rng.randrange(2_000),
                        f"1102{rng.randrange(10**8):08d}" if transfer else "",
                        "",
                        rng.choice([1_500, 12_000, 80_000, 450_000, 3_500_000]),
                        when,
                        "transfer" if transfer else rng.choice(["card_present", "online", "mobile"]),
                        "KR" if rng.random() < 0.95 else "JP",
                        when,
                        "scored",
                        rng.choice([None] * 8 + [True, False]),
                        "",
                        False,
                    )
                )
        with raw.copy(
            "COPY alerts_score (transaction_id, model_version_id, score, model_score, features, reasons, "
            "contributions, rule_hits, rule_set_version, alert_threshold, created_at) FROM STDIN"
        ) as copy:
            for i in range(1, args.transactions + 1):
                features: dict[str, float | None] = {name: rng.random() * 10 for name in FEATURE_NAMES}
                features["amount"] = rng.choice([1_500.0, 12_000.0, 80_000.0, 450_000.0, 3_500_000.0])
                features["age"] = None if rng.random() < 0.1 else float(rng.randint(15, 90))
                for flag in ("is_night", "foreign", "new_merchant", "new_beneficiary", "is_weekend"):
                    features[flag] = float(rng.random() < 0.2)
                p = rng.random() ** 3
                copy.write_row(
                    (
                        i,
                        model.pk,
                        p,
                        p,
                        orjson.dumps(features).decode(),
                        "[]",
                        "{}",
                        "[]",
                        1,
                        0.5,
                        now - timedelta(seconds=rng.uniform(0, args.days * 86_400)),
                    )
                )
        cursor.execute("SELECT setval('alerts_transaction_id_seq', %s)", [args.transactions])
        cursor.execute("ANALYZE alerts_transaction; ANALYZE alerts_score")
    seed_seconds = time.perf_counter() - seeded_at
    log(f"  seeded in {seed_seconds:.0f} s")

    live_version_install(extra=args.rules - 4, broad=True)
    maker = User.objects.create_user("bench-maker")
    draft = services.draft_get(user=maker, create=True)
    assert draft is not None
    # The draft moves every bench rule's thresholds: a realistic tuning round.
    for spec in bench_rules(args.rules - 4, variant=1, broad=True):
        Rule.objects.filter(version=draft, code=spec["code"]).update(condition=spec["condition"])
    return _backtest(args, seed_seconds=seed_seconds)


def _backtest(args: argparse.Namespace, seed_seconds: float | None = None) -> int:
    from django.contrib.auth.models import User
    from django.db import connection

    from detection import services
    from detection.models import Backtest, Rule, RuleSetVersion

    maker = User.objects.get(username="bench-maker")
    draft = services.draft_get()
    assert draft is not None
    active = RuleSetVersion.objects.get(is_live=True).rules.filter(enabled=True).count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = int(cursor.fetchone()[0])
    # Run here and timed, as the worker would: nothing is queued to a broker.
    services._backtest_enqueue = lambda _backtest_id: None  # type: ignore[assignment]
    backtest = services.backtest_start(user=maker, days=args.days)
    started = time.perf_counter()
    cpu_started = time.process_time()
    db_started = _cpu_of(backend)
    services.backtest_run(backtest_id=backtest.pk)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    db_cpu_seconds = _cpu_of(backend) - db_started
    done = Backtest.objects.get(pk=backtest.pk)
    result = {
        "transactions": done.result["transactions"],
        "rules_live": active,
        "rules_draft": Rule.objects.filter(version=draft, enabled=True).count(),
        "backtest_seconds": round(seconds, 1),
        # CPU time of this process (the database's own work is not in it): on a shared, loaded
        # machine this says more than the wall clock.
        "backtest_cpu_seconds": round(cpu_seconds, 1),
        "database_cpu_seconds": round(db_cpu_seconds, 1),
        "load_average_1m": round(os.getloadavg()[0], 1),
        "rows_per_second": round(done.result["transactions"] / seconds),
        "alerts_live": done.result["totals"]["live"]["alerts"],
        "alerts_draft": done.result["totals"]["draft"]["alerts"],
        "seed_seconds": round(seed_seconds) if seed_seconds is not None else None,
    }
    print(json.dumps(result, indent=2))
    return 0


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a local process (the database backend serving this bench)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    raise SystemExit(main())
