"""Backtest: a draft rule set against the live one, over the features stored with past scores.

No feature is recomputed: each score kept the features it was scored with and its model
probability, so both rule sets are re-applied to exactly what scoring saw. Rows stream from the
database in chunks with only the fields the rules read; each chunk's smishing evidence and list
memberships are looked up in one query each (as of now). Snoozes are not applied.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from alerts.features import FEATURE_NAMES, KST
from detection.engine import SMISHING_FIELDS, CompiledRuleSet, context_build, score_combine
from detection.selectors import SmishingEvidence, list_memberships, smishing_evidence

CHUNK = 20_000
SAMPLES = 20
_FEATURES = frozenset(FEATURE_NAMES)
_NO_EVIDENCE = SmishingEvidence()
# Columns besides features: (field, SQL); customer and merchant come from their tables.
_COLUMNS = {
    "tx_channel": "t.channel",
    "tx_country": "t.country",
    "beneficiary_account": "t.beneficiary_account",
    "beneficiary_phone": "t.beneficiary_phone",
    "customer_id": "c.external_id",
    "customer_segment": "c.segment",
    "merchant_id": "COALESCE(m.external_id, '')",
    "merchant_category": "COALESCE(m.category, '')",
    "merchant_country": "COALESCE(m.country, '')",
}


@dataclass
class _Side:
    alerts: int = 0
    frauds: int = 0
    decided: int = 0
    per_day: Counter[str] = field(default_factory=Counter)


def _feature_sql(name: str) -> str:
    if connection.vendor == "postgresql":
        return f"(s.features->>'{name}')::float8"
    return f"json_extract(s.features, '$.{name}')"


def backtest_compute(
    *,
    draft: CompiledRuleSet,
    live: CompiledRuleSet,
    threshold: float,
    days: int,
    progress: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """Counts per rule and in total, alerts per day for both versions, and sample transactions that
    would newly fire or stop firing. Pure reads."""
    started = time.perf_counter()
    since = timezone.now() - timedelta(days=days)
    wanted = sorted(draft.variables | live.variables)
    assert all(n in _FEATURES or n in _COLUMNS or n in SMISHING_FIELDS for n in wanted)
    # Names come from the declared field table only, never from user text: safe to place in SQL.
    feature_fields = [n for n in wanted if n in _FEATURES]
    column_fields = [n for n in wanted if n in _COLUMNS]
    needs_keys = bool(set(wanted) & (SMISHING_FIELDS | {"beneficiary_account", "beneficiary_phone"}))
    select = [
        "t.id",
        "t.external_id",
        "s.model_score",
        "t.occurred_at",
        "t.is_fraud",
        "t.beneficiary_account",
        "t.beneficiary_phone",
        *(_feature_sql(n) for n in feature_fields),
        *(_COLUMNS[n] for n in column_fields),
    ]
    joins = "JOIN alerts_transaction t ON t.id = s.transaction_id"
    if any(n.startswith("customer_") for n in column_fields):
        joins += " JOIN alerts_customer c ON c.id = t.customer_id"
    if any(n.startswith("merchant_") for n in column_fields):
        joins += " LEFT JOIN alerts_merchant m ON m.id = t.merchant_id"
    where = "s.created_at >= %s"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM alerts_score s WHERE {where}", [since])
        total = int(cursor.fetchone()[0])
    sides = {"draft": _Side(), "live": _Side()}
    rules: dict[str, dict[str, int]] = defaultdict(Counter)  # type: ignore[arg-type]
    added = removed = 0
    samples: dict[str, list[dict[str, Any]]] = {"added": [], "removed": []}
    names = [
        "id",
        "external_id",
        "p",
        "occurred_at",
        "is_fraud",
        "_acct",
        "_phone",
        *feature_fields,
        *column_fields,
    ]
    base_index = 7
    seen = 0
    in_draft_live = draft.variables | live.variables
    # A server-side cursor on PostgreSQL: a million rows never sit in this process at once.
    with connection.chunked_cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(select)} FROM alerts_score s {joins} WHERE {where}", [since])
        while True:
            chunk = cursor.fetchmany(CHUNK)
            if not chunk:
                break
            evidence: dict[str, SmishingEvidence] = {}
            memberships: set[tuple[str, str]] = set()
            if in_draft_live & SMISHING_FIELDS:
                evidence = smishing_evidence(
                    accounts=sorted({r[5] for r in chunk if r[5]}),
                    phones=sorted({r[6] for r in chunk if r[6]}),
                )
            if needs_keys or column_fields:
                values_needed: set[str] = set()
                for r in chunk:
                    values_needed.update(v for v in r[5:7] if v)
                    values_needed.update(
                        v for v in r[base_index + len(feature_fields) :] if isinstance(v, str) and v
                    )
                memberships = list_memberships(values=values_needed)

            def in_list(name: str, value: str, _m: set[tuple[str, str]] = memberships) -> bool:
                return (name, value) in _m

            for row in chunk:
                values = dict(zip(names, row, strict=True))
                if evidence:
                    ev = evidence.get(row[5] or row[6], _NO_EVIDENCE)
                    values["smishing_reports"] = ev.reports
                    values["smishing_reporters"] = ev.reporters
                    values["smishing_confirmed"] = ev.confirmed
                else:
                    values["smishing_reports"] = values["smishing_reporters"] = values[
                        "smishing_confirmed"
                    ] = 0
                values["beneficiary_account"] = row[5]
                values["beneficiary_phone"] = row[6]
                context = context_build(values, in_draft_live, in_list=in_list)
                hits_draft = draft.evaluate(values, in_list=in_list, context=context)
                hits_live = live.evaluate(values, in_list=in_list, context=context)
                p = float(row[2])
                score_d, sup_d = score_combine(p, hits_draft)
                score_l, sup_l = score_combine(p, hits_live)
                alert_d = score_d >= threshold and not sup_d
                alert_l = score_l >= threshold and not sup_l
                is_fraud = row[4]
                day = row[3].astimezone(KST).date().isoformat() if alert_d or alert_l else ""
                for side, alerted in (("draft", alert_d), ("live", alert_l)):
                    if alerted:
                        stats = sides[side]
                        stats.alerts += 1
                        stats.per_day[day] += 1
                        if is_fraud is not None:
                            stats.decided += 1
                            stats.frauds += int(bool(is_fraud))
                draft_codes = {h.code for h in hits_draft}
                live_codes = {h.code for h in hits_live}
                for code in draft_codes:
                    counts = rules[code]
                    counts["hits_draft"] += 1
                    if is_fraud is not None:
                        counts["decided"] += 1
                        counts["frauds"] += int(bool(is_fraud))
                    if alert_d and not alert_l:
                        counts["added"] += 1
                for code in live_codes:
                    rules[code]["hits_live"] += 1
                    if alert_l and not alert_d:
                        rules[code]["removed"] += 1
                if alert_d != alert_l:
                    kind = "added" if alert_d else "removed"
                    if kind == "added":
                        added += 1
                    else:
                        removed += 1
                    if len(samples[kind]) < SAMPLES:
                        samples[kind].append(
                            {
                                "transaction": row[1],
                                "transaction_id": row[0],
                                "occurred_at": row[3].isoformat(),
                                "model_score": round(p, 4),
                                "score_draft": round(score_d, 4),
                                "score_live": round(score_l, 4),
                                "rules_draft": sorted(draft_codes),
                                "rules_live": sorted(live_codes),
                                "is_fraud": is_fraud,
                            }
                        )
            seen += len(chunk)
            if progress is not None and total:
                progress(min(0.99, seen / total))
    totals = {}
    for side, stats in sides.items():
        totals[side] = {
            "alerts": stats.alerts,
            "frauds_caught": stats.frauds,
            "decided": stats.decided,
            "precision": (stats.frauds / stats.decided) if stats.decided else None,
        }
    frauds_total = _frauds_in_window(since)
    for side in totals:
        totals[side]["frauds_missed"] = frauds_total - totals[side]["frauds_caught"]
    per_rule = []
    for code in sorted(set(rules) | set(draft.codes) | set(live.codes)):
        counts = rules.get(code, Counter())
        per_rule.append(
            {
                "code": code,
                "hits_draft": counts["hits_draft"],
                "hits_live": counts["hits_live"],
                "added": counts["added"],
                "removed": counts["removed"],
                "frauds": counts["frauds"],
                "decided": counts["decided"],
                "precision": counts["frauds"] / counts["decided"] if counts["decided"] else None,
                "in_draft": code in draft.codes,
                "in_live": code in live.codes,
            }
        )
    all_days = sorted(set(sides["draft"].per_day) | set(sides["live"].per_day))
    return {
        "transactions": seen,
        "days": days,
        "threshold": threshold,
        "totals": totals,
        "alerts_added": added,
        "alerts_removed": removed,
        "frauds_in_window": frauds_total,
        "rules": per_rule,
        "per_day": {
            "days": all_days,
            "draft": [sides["draft"].per_day[d] for d in all_days],
            "live": [sides["live"].per_day[d] for d in all_days],
        },
        "samples": samples,
        "seconds": round(time.perf_counter() - started, 2),
    }


def _frauds_in_window(since: Any) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM alerts_score s JOIN alerts_transaction t ON t.id = s.transaction_id "
            "WHERE s.created_at >= %s AND t.is_fraud",
            [since],
        )
        return int(cursor.fetchone()[0])
