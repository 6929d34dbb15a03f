"""Backtest: a draft rule set against the live one, over the features stored with past scores.

No feature is recomputed: each score kept the features it was scored with and its model
probability, so both rule sets are re-applied to exactly what scoring saw. Rows stream from the
database in chunks with only the fields the rules read (a server-side cursor on PostgreSQL); each
chunk becomes numpy columns, and every rule in the common subset of CEL is evaluated over whole
columns (detection.vectorised). Any other rule is evaluated row by row by CEL itself. Smishing
evidence and list memberships are looked up once per chunk, as of now. Snoozes are not applied.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import numpy as np
from django.db import connection
from django.utils import timezone

from alerts.features import FEATURE_NAMES, KST
from detection.engine import FIELDS, SMISHING_FIELDS, STRING, CompiledRuleSet, Effect, context_build
from detection.selectors import SmishingEvidence, list_memberships, smishing_evidence
from detection.vectorised import vector_compile

CHUNK = 50_000
SAMPLES = 20
_FEATURES = frozenset(FEATURE_NAMES)
_NO_EVIDENCE = SmishingEvidence()
# Fields besides features, as SQL; customer and merchant come from their tables.
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
_FIXED = ("id", "external_id", "p", "occurred_at", "is_fraud", "beneficiary_account", "beneficiary_phone")


def _feature_sql(name: str) -> str:
    if connection.vendor == "postgresql":
        return f"(s.features->>'{name}')::float8"
    return f"json_extract(s.features, '$.{name}')"


class _Side:
    """One rule set's per-rule firing and per-row outcome over a chunk."""

    def __init__(self, rules: CompiledRuleSet) -> None:
        self.rules = rules
        self.vector = {spec.code: vector_compile(spec.condition) for spec, _program in rules.rules}
        self.alerts = self.frauds = self.decided = 0
        self.per_day: Counter[str] = Counter()

    def fire(
        self,
        columns: dict[str, Any],
        rows: int,
        in_list_column: Any,
        row_values: Callable[[], list[dict[str, Any]]],
        in_list_row: Any,
    ) -> dict[str, np.ndarray]:
        fired: dict[str, np.ndarray] = {}
        slow = []
        for spec, program in self.rules.rules:
            vector = self.vector[spec.code]
            if vector is not None:
                fired[spec.code] = vector.fired(columns, in_list=in_list_column, rows=rows)
            else:
                slow.append((spec, program))
        if slow:
            values = row_values()
            names = self.rules.variables
            out = {spec.code: np.zeros(rows, dtype=bool) for spec, _ in slow}
            for i, row in enumerate(values):
                context = context_build(row, names, in_list=in_list_row)
                for spec, program in slow:
                    # A condition that fails at run time does not fire, as in scoring.
                    with contextlib.suppress(
                        TypeError, RuntimeError, ValueError, ZeroDivisionError, LookupError
                    ):
                        out[spec.code][i] = program.execute(context) is True
            fired.update(out)
        return fired

    def alerted(self, fired: dict[str, np.ndarray], p: np.ndarray, threshold: float) -> np.ndarray:
        boosted = p.copy()
        floor = np.zeros_like(p)
        suppressed = np.zeros(len(p), dtype=bool)
        for spec, _program in self.rules.rules:
            hit = fired[spec.code]
            if spec.effect == Effect.ADD:
                boosted += np.where(hit, spec.value, 0.0)
            elif spec.effect == Effect.FLOOR:
                floor = np.maximum(floor, np.where(hit, spec.value, 0.0))
            else:
                suppressed |= hit
        final = np.minimum(1.0, np.maximum(boosted, floor))
        self.final = final
        return (final >= threshold) & ~suppressed


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
    # Names come from the declared field table only, never from user text: safe to place in SQL.
    assert all(n in FIELDS for n in wanted)
    feature_fields = [n for n in wanted if n in _FEATURES]
    column_fields = [
        n for n in wanted if n in _COLUMNS and n not in ("beneficiary_account", "beneficiary_phone")
    ]
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
    names = [*_FIXED, *feature_fields, *column_fields]
    joins = "JOIN alerts_transaction t ON t.id = s.transaction_id"
    if any(n.startswith("customer_") for n in column_fields):
        joins += " JOIN alerts_customer c ON c.id = t.customer_id"
    if any(n.startswith("merchant_") for n in column_fields):
        joins += " LEFT JOIN alerts_merchant m ON m.id = t.merchant_id"
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM alerts_score s WHERE s.created_at >= %s", [since])
        total = int(cursor.fetchone()[0])
        cursor.execute(
            "SELECT COUNT(*) FROM alerts_score s JOIN alerts_transaction t ON t.id = s.transaction_id "
            "WHERE s.created_at >= %s AND t.is_fraud",
            [since],
        )
        frauds_total = int(cursor.fetchone()[0])
    sides = {"draft": _Side(draft), "live": _Side(live)}
    counts: dict[str, Counter[str]] = {}
    added = removed = 0
    samples: dict[str, list[dict[str, Any]]] = {"added": [], "removed": []}
    seen = 0
    needs_smishing = bool(set(wanted) & SMISHING_FIELDS)
    string_fields = [n for n in wanted if FIELDS[n] == STRING]
    # A server-side cursor on PostgreSQL: a million rows never sit in this process at once.
    with connection.chunked_cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(select)} FROM alerts_score s {joins} WHERE s.created_at >= %s", [since]
        )
        while True:
            chunk = cursor.fetchmany(CHUNK)
            if not chunk:
                break
            n = len(chunk)
            raw = list(zip(*chunk, strict=True))
            columns: dict[str, Any] = {}
            for index, name in enumerate(names):
                if name in _FEATURES:
                    columns[name] = np.array(raw[index], dtype=np.float64)  # None becomes NaN
                elif index >= 5:
                    columns[name] = np.array(raw[index], dtype=object)
            p = np.array(raw[2], dtype=np.float64)
            labels = np.array([np.nan if v is None else float(v) for v in raw[4]])
            if needs_smishing:
                evidence = smishing_evidence(
                    accounts=sorted({v for v in raw[5] if v}), phones=sorted({v for v in raw[6] if v})
                )
                per_row = [evidence.get(a or b, _NO_EVIDENCE) for a, b in zip(raw[5], raw[6], strict=True)]
                columns["smishing_reports"] = np.array([e.reports for e in per_row], dtype=np.float64)
                columns["smishing_reporters"] = np.array([e.reporters for e in per_row], dtype=np.float64)
                columns["smishing_confirmed"] = np.array([e.confirmed for e in per_row], dtype=np.float64)
            memberships: set[tuple[str, str]] = set()
            if string_fields:
                values_needed: set[str] = set()
                for name in string_fields:
                    values_needed.update(v for v in columns[name] if v)
                memberships = list_memberships(values=values_needed)
            by_list: dict[str, set[str]] = {}
            for list_name, value in memberships:
                by_list.setdefault(list_name, set()).add(value)

            def in_list_column(
                name: str, column: Sequence[str], _by: dict[str, set[str]] = by_list
            ) -> np.ndarray:
                members = _by.get(name)
                if not members:
                    return np.zeros(len(column), dtype=bool)
                return np.fromiter((v in members for v in column), dtype=bool, count=len(column))

            def in_list_row(name: str, value: str, _m: set[tuple[str, str]] = memberships) -> bool:
                return (name, value) in _m

            def row_values(_columns: dict[str, Any] = columns, _n: int = n) -> list[dict[str, Any]]:
                out = []
                for i in range(_n):
                    row: dict[str, Any] = {}
                    for name, column in _columns.items():
                        value = column[i]
                        if FIELDS.get(name) != STRING:
                            value = None if np.isnan(value) else float(value)
                            if name in SMISHING_FIELDS and value is not None:
                                value = int(value)
                        row[name] = value
                    out.append(row)
                return out

            fired = {
                side: s.fire(columns, n, in_list_column, row_values, in_list_row) for side, s in sides.items()
            }
            alerted = {side: s.alerted(fired[side], p, threshold) for side, s in sides.items()}
            decided = ~np.isnan(labels)
            is_fraud = labels == 1.0
            for side, s in sides.items():
                mask = alerted[side]
                s.alerts += int(mask.sum())
                s.decided += int((mask & decided).sum())
                s.frauds += int((mask & is_fraud).sum())
            any_alert = np.flatnonzero(alerted["draft"] | alerted["live"])
            day_of = {int(i): raw[3][i].astimezone(KST).date().isoformat() for i in any_alert}
            for side, s in sides.items():
                s.per_day.update(day_of[int(i)] for i in np.flatnonzero(alerted[side]))
            new = alerted["draft"] & ~alerted["live"]
            gone = alerted["live"] & ~alerted["draft"]
            added += int(new.sum())
            removed += int(gone.sum())
            for code, hit in fired["draft"].items():
                c = counts.setdefault(code, Counter())
                c["hits_draft"] += int(hit.sum())
                c["decided"] += int((hit & decided).sum())
                c["frauds"] += int((hit & is_fraud).sum())
                c["added"] += int((hit & new).sum())
            for code, hit in fired["live"].items():
                c = counts.setdefault(code, Counter())
                c["hits_live"] += int(hit.sum())
                c["removed"] += int((hit & gone).sum())
            for kind, mask in (("added", new), ("removed", gone)):
                room = SAMPLES - len(samples[kind])
                for i in np.flatnonzero(mask)[: max(0, room)]:
                    samples[kind].append(
                        {
                            "transaction": raw[1][i],
                            "transaction_id": raw[0][i],
                            "occurred_at": raw[3][i].isoformat(),
                            "model_score": round(float(p[i]), 4),
                            "score_draft": round(float(sides["draft"].final[i]), 4),
                            "score_live": round(float(sides["live"].final[i]), 4),
                            "rules_draft": sorted(c for c, hit in fired["draft"].items() if hit[i]),
                            "rules_live": sorted(c for c, hit in fired["live"].items() if hit[i]),
                            "is_fraud": raw[4][i],
                        }
                    )
            seen += n
            if progress is not None and total:
                progress(min(0.99, seen / total))
    totals = {}
    for side, s in sides.items():
        totals[side] = {
            "alerts": s.alerts,
            "frauds_caught": s.frauds,
            "frauds_missed": frauds_total - s.frauds,
            "decided": s.decided,
            "precision": (s.frauds / s.decided) if s.decided else None,
        }
    per_rule = []
    for code in sorted(set(counts) | set(draft.codes) | set(live.codes)):
        c = counts.get(code, Counter())
        per_rule.append(
            {
                "code": code,
                "hits_draft": c["hits_draft"],
                "hits_live": c["hits_live"],
                "added": c["added"],
                "removed": c["removed"],
                "frauds": c["frauds"],
                "decided": c["decided"],
                "precision": c["frauds"] / c["decided"] if c["decided"] else None,
                "in_draft": code in draft.codes,
                "in_live": code in live.codes,
                "vectorised": (sides["draft"].vector.get(code) or sides["live"].vector.get(code)) is not None,
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
