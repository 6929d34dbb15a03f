#!/usr/bin/env python
"""What 30 live detection rules cost the scoring batch, measured A/B against no rules.

    .venv/bin/python bench/rules_scoring.py --database-url postgres://postgres@127.0.0.1:5432/fds_bench_scoring

Recreates the database, seeds simulated history and trains a model (as bench/fds_pipeline.py does),
then scores fresh 1,000-transaction batches with `transactions_score` — the function a Celery worker
runs — alternating between five configurations: no rules; 30 rules (the seeded rules plus 26
benchmark rules over numbers, strings, nulls, lists and smishing evidence) with every weight 0, so
they fire and are recorded but raise no extra alert; the same 30 rules with their effects (narrow
rules, as live ones are: together about half as many alerts again); 30 broad rules that raise
alerts more than threefold, to show what each extra alert costs; and the 30 narrow rules live with a
30-rule tuning round in shadow. Alternating batches keeps a busy machine's drift out
of the comparison. Prints, for each configuration, the median
batch's CPU time (`time.process_time()` of the scoring function: what the worker spends, and what
survives a busy machine) and wall time, the CPU time spent in the rule stage itself (loading the
live rules, lists, snoozes and evidence, and evaluating them), the alerts raised, and the
throughput lost. `--profile FILE` writes a cProfile of the rule batches.
"""

from __future__ import annotations

import argparse
import gc
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


# Alternated batch by batch, so a busy machine's drift falls on all of them alike.
CONFIGURATIONS = ("none", "neutral", "full", "broad", "shadow")


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
    parser.add_argument("--profile", default="", help="write a cProfile (CPU time) of the rule batches here")
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
    from detection_rules import bench_rules, live_version_install
    from django.contrib.auth.models import User
    from django.utils import timezone

    from alerts.features import KST
    from alerts.model_versions import model_version_store
    from alerts.schemas import TransactionIn
    from alerts.services import transactions_ingest, transactions_score
    from alerts.simulator import Simulator
    from alerts.training import model_fit, stream_from_db
    from detection.models import Rule, RuleSetVersion, ShadowOutcome, ShadowRun

    simulator = Simulator(5, customers=args.customers, merchants=max(200, args.customers // 5))
    now = datetime.now(KST).replace(microsecond=0)
    rate = args.customers * 4 / 86_400
    needed = args.batches * len(CONFIGURATIONS) * args.batch_size
    # History ends where the measured stream starts, and the stream ends before now (transactions
    # from the future are refused at ingest).
    stream_start = now - timedelta(seconds=needed / rate * 1.2 + 3_600)
    log(f"seeding {args.history_days} days of history for {args.customers:,} customers")
    rows = [
        TransactionIn.model_validate(r)
        for r in simulator.history(stream_start - timedelta(days=args.history_days), args.history_days)
    ]
    for start in range(0, len(rows), 5000):
        ids = transactions_ingest(
            rows=rows[start : start + 5000],
            source="bench",
            historical=True,
            enqueue=False,
            accept_labels=True,
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
    RuleSetVersion.objects.filter(is_live=True).update(is_live=False)
    RuleSetVersion.objects.filter(number=1).update(is_live=True)
    live_version_install(extra=26, broad=True)
    broad = RuleSetVersion.objects.get(is_live=True)
    RuleSetVersion.objects.filter(is_live=True).update(is_live=False)
    RuleSetVersion.objects.filter(number=1).update(is_live=True)
    full_count = live_version_install(extra=26)
    full = RuleSetVersion.objects.get(is_live=True)
    # The same 30 rules with every effect "add 0": they fire, and their reasons are rendered and
    # stored, exactly as above, but the scores and so the alerts stay those of no rules. This
    # isolates what evaluating rules costs from what the extra alerts they raise cost.
    neutral = RuleSetVersion.objects.create(
        number=full.number + 1, status="published", published_at=timezone.now(), note="benchmark, weights 0"
    )
    Rule.objects.bulk_create(
        [
            Rule(
                version=neutral,
                code=r.code,
                condition=r.condition,
                effect="add",
                value=0.0,
                reason_ko=r.reason_ko,
                reason_en=r.reason_en,
                enabled=r.enabled,
            )
            for r in full.rules.all()
        ]
    )
    # A tuning round in shadow: every bench rule's thresholds moved, beside the 30 live rules.
    shadowed = RuleSetVersion.objects.create(
        number=full.number + 2, status="published", published_at=timezone.now(), note="benchmark, in shadow"
    )
    moved = {spec["code"]: spec["condition"] for spec in bench_rules(26, variant=1)}
    Rule.objects.bulk_create(
        [
            Rule(
                version=shadowed,
                code=r.code,
                condition=moved.get(r.code, r.condition),
                effect=r.effect,
                value=r.value,
                reason_ko=r.reason_ko,
                reason_en=r.reason_en,
                enabled=r.enabled,
            )
            for r in full.rules.all()
        ]
    )
    maker = User.objects.create_user("bench-shadow")
    run = ShadowRun.objects.create(
        version=shadowed,
        rules_snapshot=[r.as_dict() for r in shadowed.rules.order_by("code")],
        started_by=maker,
        active=False,
        stopped_at=timezone.now(),
    )
    log(
        f"rule sets: v{empty.number} with no rules, v{full.number} with {full_count}, v{neutral.number} "
        f"(weights 0), v{broad.number} (broad), v{shadowed.number} (shadow)"
    )

    live = []
    for row, _pattern in simulator.stream(stream_start, rate=rate):
        live.append(TransactionIn.model_validate(row))
        if len(live) == needed:
            break
    # The bench holds the whole stream and the seeding's objects, which a worker never does: left in
    # the collected heap, a full collection every few batches (0.3 s) would land on whichever
    # configuration's turn it is. Frozen, they are not traversed; each batch's own garbage still is.
    del rows
    gc.collect()
    gc.freeze()
    from bench_rule_stage import RuleStageClock

    clock = RuleStageClock()
    versions = {"none": empty, "neutral": neutral, "full": full, "broad": broad, "shadow": full}
    labels = {
        "none": "0 rules",
        "neutral": f"{full_count} rules, weights 0",
        "full": f"{full_count} rules",
        "broad": f"{full_count} broad rules",
        "shadow": f"{full_count} rules + {full_count} in shadow",
    }
    wall: dict[str, list[float]] = {labels[k]: [] for k in CONFIGURATIONS}
    cpu: dict[str, list[float]] = {labels[k]: [] for k in CONFIGURATIONS}
    stage: dict[str, list[float]] = {labels[k]: [] for k in CONFIGURATIONS}
    alerts: dict[str, int] = {labels[k]: 0 for k in CONFIGURATIONS}
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
    for b in range(args.batches * len(CONFIGURATIONS)):
        key = CONFIGURATIONS[b % len(CONFIGURATIONS)]
        label = labels[key]
        RuleSetVersion.objects.filter(is_live=True).update(is_live=False)
        RuleSetVersion.objects.filter(pk=versions[key].pk).update(is_live=True)
        if key == "shadow":
            ShadowRun.objects.filter(pk=run.pk).update(active=True, stopped_at=None)
        chunk = live[b * args.batch_size : (b + 1) * args.batch_size]
        live_ids = transactions_ingest(rows=chunk, source="bench", enqueue=False).created_ids
        clock.reset()
        profiling = profiler if key == "full" else None
        if profiling is not None:
            profiling.enable()
        started, cpu_started = time.perf_counter(), time.process_time()
        result = transactions_score(transaction_ids=live_ids)
        cpu_seconds, seconds = time.process_time() - cpu_started, time.perf_counter() - started
        if profiling is not None:
            profiling.disable()
        if key == "shadow":
            ShadowRun.objects.filter(pk=run.pk).update(active=False, stopped_at=timezone.now())
        assert result.scored == len(live_ids)
        wall[label].append(seconds)
        cpu[label].append(cpu_seconds)
        stage[label].append(clock.cpu)
        alerts[label] += len(result.alert_ids)
    if profiler is not None:
        profiler.dump_stats(args.profile)
    cpu_median = {k: statistics.median(v) for k, v in cpu.items()}
    wall_median = {k: statistics.median(v) for k, v in wall.items()}
    stage_median = {k: statistics.median(v) for k, v in stage.items()}
    base = labels["none"]

    def lost(medians: dict[str, float], key: str) -> float:
        return round((1 - medians[base] / medians[labels[key]]) * 100, 1)

    print(
        json.dumps(
            {
                "batch_size": args.batch_size,
                "batches_each": args.batches,
                "load_average_1m": round(os.getloadavg()[0], 1),
                "median_batch_cpu_seconds": {k: round(v, 4) for k, v in cpu_median.items()},
                "median_batch_wall_seconds": {k: round(v, 4) for k, v in wall_median.items()},
                "median_rule_stage_cpu_seconds": {k: round(v, 4) for k, v in stage_median.items()},
                "batch_cpu_seconds": {k: [round(x, 3) for x in v] for k, v in cpu.items()},
                "alerts": alerts,
                "shadow_outcomes_stored": ShadowOutcome.objects.filter(run=run).count(),
                "tx_per_cpu_second": {k: round(args.batch_size / v) for k, v in cpu_median.items()},
                "tx_per_wall_second": {k: round(args.batch_size / v) for k, v in wall_median.items()},
                # Against no rules, by CPU time and by wall time.
                "throughput_lost_percent_cpu": {labels[k]: lost(cpu_median, k) for k in CONFIGURATIONS[1:]},
                "throughput_lost_percent_wall": {labels[k]: lost(wall_median, k) for k in CONFIGURATIONS[1:]},
                # What one more alert costs the batch (TreeSHAP, reasons, the rows, the audit event and
                # the pushed row in each language), from the broad rules against the weights-0 ones.
                "cpu_ms_per_extra_alert": round(
                    (cpu_median[labels["broad"]] - cpu_median[labels["neutral"]])
                    / max(1, alerts[labels["broad"]] - alerts[labels["neutral"]])
                    * args.batches
                    * 1000,
                    2,
                ),
                # The rule stage alone (live, plus shadow where on), as a share of the batch's CPU time.
                "rule_stage_share_percent_cpu": {
                    labels[k]: round(stage_median[labels[k]] / cpu_median[labels[k]] * 100, 1)
                    for k in CONFIGURATIONS[1:]
                },
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
