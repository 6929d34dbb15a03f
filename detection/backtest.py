"""Backtest: a draft rule set against the live one, over the features stored with past scores.

No feature is recomputed: each score kept the features it was scored with and its model
probability, so both rule sets are re-applied to exactly what scoring saw. The window is read in
chunks of score ids. On PostgreSQL each chunk arrives as one aggregated row: the numbers (features
unpacked once per row by `jsonb_to_record`, the probability, the time, the label) as one binary
float8 array per column, read straight into numpy with no Python object per row, and the few string
fields the rules read as one joined text each. Every rule in the common subset of CEL is evaluated
over whole columns (detection.vectorised); any other rule row by row by CEL itself. Totals, per-rule counts and alerts
per day are numpy reductions.

Lists and snoozes are applied as they were at each transaction's time (`occurred_at`): an entry
counts from its creation until it expired or was removed, a snooze from its creation until its
end or until it was lifted. Smishing evidence too: a report counts from its submission, a
confirmation from the analyst's label, so a draft is not credited with reports filed after the fact.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from django.db import connection
from django.utils import timezone

from alerts.features import FEATURE_NAMES
from detection.engine import FIELDS, LIST_FUNCTION, SMISHING_FIELDS, STRING, CompiledRuleSet
from detection.selectors import SmishingEvidence, smishing_evidence_timelines
from detection.vectorised import outcome_columns, rule_list_uses

CHUNK = 100_000
SAMPLES = 20
_FEATURES = frozenset(FEATURE_NAMES)
_NO_EVIDENCE = SmishingEvidence()
_KST_OFFSET = 9 * 3600  # Korea keeps no daylight saving time
_RUN_TIME_ERRORS = (TypeError, RuntimeError, ValueError, ZeroDivisionError, LookupError)
# String fields as SQL; customer and merchant come from their tables.
_STRING_SQL = {
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
# Always-read numbers ahead of the features: score id, model probability, time, label, customer pk.
_FIXED = ("score_id", "p", "epoch", "label", "customer_pk")
_PG_FIXED = (
    "s.id::float8",
    "COALESCE(s.model_score, s.score)::float8",
    "EXTRACT(EPOCH FROM t.occurred_at)::float8",
    "CASE WHEN t.is_fraud THEN 1.0 WHEN NOT t.is_fraud THEN 0.0 ELSE 'NaN' END::float8",
    "t.customer_id::float8",
)
# Joins a chunk's strings (and is replaced by a space inside them, which no rule field may hold:
# they are identifiers, codes and digits).
_SEPARATOR = "\x1f"


@dataclass
class Chunk:
    numbers: dict[str, np.ndarray]
    strings: dict[str, np.ndarray]

    @property
    def rows(self) -> int:
        return len(self.numbers["p"])


# --- Reading the window ---------------------------------------------------------------------------------


# array_send of a one-dimensional array starts with ndim, has-nulls, element type, length, lower bound.
_ARRAY_HEADER = 20
_ELEMENT = np.dtype([("length", ">i4"), ("value", ">f8")])


def _float8_array(data: bytes, rows: int) -> np.ndarray:
    """The values of `array_send` of a one-dimensional float8 array without nulls."""
    if int.from_bytes(data[:4], "big") != 1 or int.from_bytes(data[12:16], "big") != rows:
        raise ValueError(f"unexpected array layout for {rows} rows")
    elements = np.frombuffer(data, dtype=_ELEMENT, count=rows, offset=_ARRAY_HEADER)
    if not (elements["length"] == 8).all():
        raise ValueError("a null or a value that is not float8")
    return elements["value"].astype(np.float64)


def _chunks_postgresql(
    *, since: datetime, low: int, high: int, features: Sequence[str], strings: Sequence[str], joins: str
) -> Iterator[Chunk]:
    """Each chunk as one row: per number column one float8 array in binary (`array_send`), per
    string column one text joined by a separator, all in the same row order. The driver
    then handles a few large values instead of a message and objects per transaction."""
    record = ", ".join(f'"{name}" float8' for name in features)
    unpack = f"CROSS JOIN LATERAL jsonb_to_record(s.features) AS r({record})" if features else ""
    numbers_sql = [*_PG_FIXED, *(f"COALESCE(r.\"{name}\", 'NaN')::float8" for name in features)]
    # No ORDER BY inside the aggregates: one scan feeds every input row to all of them in the same
    # order, which is all the columns need to line up, and each ORDER BY would sort the chunk again.
    # array_agg keeps float8s unboxed and array_send writes the array once, in C: far cheaper for
    # the database than a bytea per value.
    aggregates = [f"array_send(array_agg({expr}))" for expr in numbers_sql]
    aggregates += [f"string_agg(replace({_STRING_SQL[n]}, %s, ' '), %s)" for n in strings]
    names = [*_FIXED, *features]
    sql = (
        f"SELECT COUNT(*), {', '.join(aggregates)} FROM alerts_score s {joins} {unpack} "
        "WHERE s.created_at >= %s AND s.id >= %s AND s.id < %s"
    )
    with connection.cursor() as cursor:
        for start in range(low, high + 1, CHUNK):
            cursor.execute(sql, [*([_SEPARATOR, _SEPARATOR] * len(strings)), since, start, start + CHUNK])
            row = cursor.fetchone()
            rows = int(row[0])
            if rows == 0:
                continue
            numbers = {name: _float8_array(bytes(row[1 + i]), rows) for i, name in enumerate(names)}
            text_columns = {}
            for i, name in enumerate(strings):
                parts = str(row[1 + len(names) + i]).split(_SEPARATOR)
                if len(parts) != rows:
                    raise ValueError(f"{name}: {len(parts)} values for {rows} rows")
                text_columns[name] = np.array(parts, dtype=object)
            yield Chunk(numbers, text_columns)


def _chunks_generic(
    *, since: datetime, low: int, high: int, features: Sequence[str], strings: Sequence[str], joins: str
) -> Iterator[Chunk]:
    """The same chunks through an ordinary cursor (SQLite)."""
    select = [
        "s.id",
        "COALESCE(s.model_score, s.score)",
        "t.occurred_at",
        "t.is_fraud",
        "t.customer_id",
        *(f"json_extract(s.features, '$.{name}')" for name in features),
        *(_STRING_SQL[n] for n in strings),
    ]
    with connection.cursor() as cursor:
        for start in range(low, high + 1, CHUNK):
            cursor.execute(
                f"SELECT {', '.join(select)} FROM alerts_score s {joins} "
                "WHERE s.created_at >= %s AND s.id >= %s AND s.id < %s ORDER BY s.id",
                [since, start, start + CHUNK],
            )
            rows = cursor.fetchall()
            if not rows:
                continue
            raw = list(zip(*rows, strict=True))
            occurred = [_aware(v) for v in raw[2]]
            numbers = {
                "score_id": np.array(raw[0], dtype=np.float64),
                "p": np.array(raw[1], dtype=np.float64),
                "epoch": np.array([v.timestamp() for v in occurred], dtype=np.float64),
                "label": np.array([np.nan if v is None else float(v) for v in raw[3]], dtype=np.float64),
                "customer_pk": np.array(raw[4], dtype=np.float64),
            }
            for i, name in enumerate(features):
                numbers[name] = np.array(raw[5 + i], dtype=np.float64)  # None becomes NaN
            offset = 5 + len(features)
            text_columns = {n: np.array(raw[offset + i], dtype=object) for i, n in enumerate(strings)}
            yield Chunk(numbers, text_columns)


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


# --- Lists and snoozes as of each transaction's time ------------------------------------------------------


@dataclass
class _Intervals:
    """Per key, the [start, end) epochs during which it was on (an entry listed, a rule snoozed)."""

    by_key: dict[Any, list[tuple[float, float]]] = field(default_factory=dict)

    def add(self, key: Any, start: datetime, *ends: datetime | None) -> None:
        stops = [e.timestamp() for e in ends if e is not None]
        self.by_key.setdefault(key, []).append((start.timestamp(), min(stops) if stops else np.inf))

    def at(self, key: Any, epoch: float) -> bool:
        return any(start <= epoch < end for start, end in self.by_key.get(key, ()))

    def column(self, keys: np.ndarray, epochs: np.ndarray) -> np.ndarray:
        """Which rows' key was on at the row's time: a set lookup per row, intervals only for hits."""
        known = self.by_key
        if not known:
            return np.zeros(len(keys), dtype=bool)
        out = np.zeros(len(keys), dtype=bool)
        candidates = np.fromiter((k in known for k in keys), dtype=bool, count=len(keys))
        for i in np.flatnonzero(candidates).tolist():
            out[i] = self.at(keys[i], float(epochs[i]))
        return out


def _lists_as_of(names: set[str]) -> dict[str, _Intervals]:
    from detection.models import ListEntry

    out = {name: _Intervals() for name in names}
    rows = ListEntry.objects.filter(watch_list__name__in=names).values_list(
        "watch_list__name", "value", "created_at", "expires_at", "removed_at"
    )
    for name, value, created_at, expires_at, removed_at in rows.iterator(chunk_size=10_000):
        out[name].add(value, created_at, expires_at, removed_at)
    return out


def _snoozes_as_of(codes: set[str]) -> tuple[dict[str, _Intervals], dict[str, _Intervals]]:
    """Per rule code: snoozes by customer pk and by beneficiary."""
    from detection.models import RuleSnooze

    by_customer: dict[str, _Intervals] = {}
    by_beneficiary: dict[str, _Intervals] = {}
    rows = RuleSnooze.objects.filter(rule_code__in=codes).values_list(
        "rule_code", "customer_id", "beneficiary", "created_at", "until", "lifted_at"
    )
    for code, customer_id, beneficiary, created_at, until, lifted_at in rows:
        if customer_id is not None:
            by_customer.setdefault(code, _Intervals()).add(float(customer_id), created_at, until, lifted_at)
        if beneficiary:
            by_beneficiary.setdefault(code, _Intervals()).add(beneficiary, created_at, until, lifted_at)
    return by_customer, by_beneficiary


# --- Evaluation ---------------------------------------------------------------------------------------------


class _ChunkView:
    """One chunk's columns, with list membership and snoozes as of each row's time."""

    def __init__(
        self,
        *,
        columns: dict[str, Any],
        numbers: dict[str, np.ndarray],
        text: dict[str, np.ndarray],
        lists: dict[str, _Intervals],
        uses: set[tuple[str, str]],
        snoozes_by_customer: dict[str, _Intervals],
        snoozes_by_beneficiary: dict[str, _Intervals],
    ) -> None:
        self.columns = columns
        self.numbers = numbers
        self.epochs = numbers["epoch"]
        self.rows = len(self.epochs)
        self.lists = lists
        self.memberships = {(name, f): lists[name].column(text[f], self.epochs) for name, f in uses}
        self.snoozes_by_customer = snoozes_by_customer
        self.snoozes_by_beneficiary = snoozes_by_beneficiary
        self.beneficiaries = (
            np.where(
                text["beneficiary_account"] != "", text["beneficiary_account"], text["beneficiary_phone"]
            )
            if snoozes_by_beneficiary
            else None
        )
        self._snoozed: dict[str, np.ndarray | None] = {}

    def in_list_column(self, name: str, field_name: str, _columns: Any) -> np.ndarray:
        return self.memberships[(name, field_name)]

    def in_list_row(self, i: int) -> Callable[[Any, Any], bool]:
        epoch = float(self.epochs[i])

        def in_list(name: Any, value: Any) -> bool:
            intervals = self.lists.get(name)
            return intervals is not None and intervals.at(value, epoch)

        return in_list

    def row_values(self, i: int) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for name, column in self.columns.items():
            value = column[i]
            if FIELDS.get(name) != STRING:
                value = None if np.isnan(value) else float(value)
                if name in SMISHING_FIELDS and value is not None:
                    value = int(value)
            row[name] = value
        return row

    def snoozed(self, code: str) -> np.ndarray | None:
        """Rows on which rule `code` was snoozed at the transaction's time; None: on none."""
        if code not in self._snoozed:
            mask = None
            if code in self.snoozes_by_customer:
                mask = self.snoozes_by_customer[code].column(self.numbers["customer_pk"], self.epochs)
            if code in self.snoozes_by_beneficiary:
                assert self.beneficiaries is not None
                other = self.snoozes_by_beneficiary[code].column(self.beneficiaries, self.epochs)
                mask = other if mask is None else mask | other
            self._snoozed[code] = mask
        return self._snoozed[code]


class _Side:
    """One rule set's per-rule firing and totals over the window."""

    def __init__(self, rules: CompiledRuleSet) -> None:
        self.rules = rules
        self.alerts = self.frauds = self.decided = 0
        self.per_day: Counter[int] = Counter()
        self.final = np.zeros(0)

    def fire(self, view: _ChunkView) -> dict[str, np.ndarray]:
        import cel

        fired: dict[str, np.ndarray] = {}
        slow = []
        for spec, program in self.rules.rules:
            vector = self.rules.vectors.get(spec.code)
            if vector is not None:
                fired[spec.code] = vector.fired(view.columns, in_list=view.in_list_column, rows=view.rows)
            else:
                slow.append((spec, program))
        if slow:
            names = self.rules.variables
            out = {spec.code: np.zeros(view.rows, dtype=bool) for spec, _ in slow}
            for i in range(view.rows):
                row = view.row_values(i)
                context = cel.Context({n: row.get(n) for n in names}, {LIST_FUNCTION: view.in_list_row(i)})
                for spec, program in slow:
                    # A condition that fails at run time does not fire, as in scoring.
                    with contextlib.suppress(*_RUN_TIME_ERRORS):
                        out[spec.code][i] = program.execute(context) is True
            fired.update(out)
        for code, hit in fired.items():
            mask = view.snoozed(code)
            if mask is not None:
                fired[code] = hit & ~mask
        return fired


def _window(since: datetime) -> tuple[int, int, int, int]:
    """(scores, confirmed frauds, lowest and highest score id) in the window."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN t.is_fraud THEN 1 ELSE 0 END), 0), "
            "COALESCE(MIN(s.id), 0), COALESCE(MAX(s.id), -1) "
            "FROM alerts_score s JOIN alerts_transaction t ON t.id = s.transaction_id WHERE s.created_at >= %s",
            [since],
        )
        total, frauds, low, high = cursor.fetchone()
    return int(total), int(frauds), int(low), int(high)


def _samples_describe(picked: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from alerts.models import Score

    by_score = {
        row["id"]: row
        for row in Score.objects.filter(pk__in=[p["score_id"] for p in picked]).values(
            "id",
            "transaction_id",
            "transaction__external_id",
            "transaction__occurred_at",
            "transaction__is_fraud",
        )
    }
    out = []
    for p in picked:
        row = by_score[p.pop("score_id")]
        out.append(
            {
                "transaction": row["transaction__external_id"],
                "transaction_id": row["transaction_id"],
                "occurred_at": row["transaction__occurred_at"].isoformat(),
                **p,
                "is_fraud": row["transaction__is_fraud"],
            }
        )
    return out


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
    sides = {"draft": _Side(draft), "live": _Side(live)}
    wanted = set(draft.variables | live.variables)
    uses, slow_lists = rule_list_uses((draft, live))
    codes = set(draft.codes) | set(live.codes)
    from detection.models import RuleSnooze, WatchList

    snoozed_codes = set(RuleSnooze.objects.filter(rule_code__in=codes).values_list("rule_code", flat=True))
    list_names = {name for name, _field in uses}
    if slow_lists:
        list_names |= set(WatchList.objects.values_list("name", flat=True))
    lists = _lists_as_of(list_names)
    snoozes_by_customer, snoozes_by_beneficiary = _snoozes_as_of(snoozed_codes)
    needs_beneficiary = bool(wanted & SMISHING_FIELDS) or bool(snoozes_by_beneficiary)
    # Names come from the declared field table only, never from user text: safe to place in SQL.
    assert all(n in FIELDS for n in wanted)
    features = sorted(n for n in wanted if n in _FEATURES)
    strings = sorted(
        {n for n in wanted if FIELDS[n] == STRING}
        | {f for _l, f in uses}
        | ({"beneficiary_account", "beneficiary_phone"} if needs_beneficiary else set())
    )
    joins = "JOIN alerts_transaction t ON t.id = s.transaction_id"
    if any(n.startswith("customer_") for n in strings):
        joins += " JOIN alerts_customer c ON c.id = t.customer_id"
    if any(n.startswith("merchant_") for n in strings):
        joins += " LEFT JOIN alerts_merchant m ON m.id = t.merchant_id"
    total, frauds_total, low, high = _window(since)
    reader = _chunks_postgresql if connection.vendor == "postgresql" else _chunks_generic
    counts: dict[str, Counter[str]] = {code: Counter() for code in sorted(codes)}
    added = removed = seen = 0
    picked: dict[str, list[dict[str, Any]]] = {"added": [], "removed": []}
    for chunk in reader(since=since, low=low, high=high, features=features, strings=strings, joins=joins):
        n = chunk.rows
        if n == 0:
            continue
        numbers, text = chunk.numbers, chunk.strings
        epochs, p, labels = numbers["epoch"], numbers["p"], numbers["label"]
        columns: dict[str, Any] = {name: numbers[name] for name in features}
        columns.update(text)
        if wanted & SMISHING_FIELDS:
            accounts, phones = text["beneficiary_account"], text["beneficiary_phone"]
            timelines = smishing_evidence_timelines(
                accounts=sorted({v for v in accounts if v}), phones=sorted({v for v in phones if v})
            )
            per_row = [
                timeline.at(float(epoch)) if (timeline := timelines.get(a or b)) is not None else _NO_EVIDENCE
                for a, b, epoch in zip(accounts, phones, epochs, strict=True)
            ]
            for name in SMISHING_FIELDS:
                attribute = name.removeprefix("smishing_")
                columns[name] = np.array([getattr(e, attribute) for e in per_row], dtype=np.float64)
        view = _ChunkView(
            columns=columns,
            numbers=numbers,
            text=text,
            lists=lists,
            uses=uses,
            snoozes_by_customer=snoozes_by_customer,
            snoozes_by_beneficiary=snoozes_by_beneficiary,
        )
        fired = {side: s.fire(view) for side, s in sides.items()}
        alerted = {}
        for side, s in sides.items():
            s.final, alerted[side] = outcome_columns(s.rules.specs, fired[side], p, threshold)
        decided = ~np.isnan(labels)
        is_fraud = labels == 1.0
        day = np.floor((epochs + _KST_OFFSET) / 86_400).astype(np.int64)
        for side, s in sides.items():
            mask = alerted[side]
            s.alerts += int(mask.sum())
            s.decided += int((mask & decided).sum())
            s.frauds += int((mask & is_fraud).sum())
            days_seen, per_day = np.unique(day[mask], return_counts=True)
            s.per_day.update(dict(zip(days_seen.tolist(), per_day.tolist(), strict=True)))
        new = alerted["draft"] & ~alerted["live"]
        gone = alerted["live"] & ~alerted["draft"]
        added += int(new.sum())
        removed += int(gone.sum())
        for code, hit in fired["draft"].items():
            c = counts[code]
            c["hits_draft"] += int(hit.sum())
            c["decided"] += int((hit & decided).sum())
            c["frauds"] += int((hit & is_fraud).sum())
            c["added"] += int((hit & new).sum())
        for code, hit in fired["live"].items():
            c = counts[code]
            c["hits_live"] += int(hit.sum())
            c["removed"] += int((hit & gone).sum())
        for kind, mask in (("added", new), ("removed", gone)):
            room = SAMPLES - len(picked[kind])
            for i in np.flatnonzero(mask)[: max(0, room)].tolist():
                picked[kind].append(
                    {
                        "score_id": int(numbers["score_id"][i]),
                        "model_score": round(float(p[i]), 4),
                        "score_draft": round(float(sides["draft"].final[i]), 4),
                        "score_live": round(float(sides["live"].final[i]), 4),
                        "rules_draft": sorted(c for c, hit in fired["draft"].items() if hit[i]),
                        "rules_live": sorted(c for c, hit in fired["live"].items() if hit[i]),
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
    for code, c in counts.items():
        vector = draft.vectors.get(code) if code in draft.codes else live.vectors.get(code)
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
                "vectorised": vector is not None,
            }
        )
    day_numbers = sorted(set(sides["draft"].per_day) | set(sides["live"].per_day))
    epoch_day = date(1970, 1, 1)
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
            "days": [(epoch_day + timedelta(days=d)).isoformat() for d in day_numbers],
            "draft": [sides["draft"].per_day[d] for d in day_numbers],
            "live": [sides["live"].per_day[d] for d in day_numbers],
        },
        "samples": {kind: _samples_describe(rows) for kind, rows in picked.items()},
        "seconds": round(time.perf_counter() - started, 2),
    }
