"""Detection reads: the live rule set, effective threshold, list membership, snoozes, smishing evidence."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Field, Lookup, Max, Q, QuerySet
from django.utils import timezone

from detection.engine import CompiledRuleSet, RuleSpec, ruleset_compile
from detection.models import AlertThreshold, ListEntry, Rule, RuleSetVersion, RuleSnooze, WatchList


class AnyOf(Lookup):
    """`field = ANY(%s)` with the values as one array parameter on PostgreSQL, `IN (…)` elsewhere.

    A scoring batch asks for thousands of values at once; as thousands of placeholders the query
    text alone costs the driver more to build and parse than the database spends answering it.
    Registered on the few fields that need it, not on every field of the project.
    """

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        placeholders = ", ".join(["%s"] * len(values)) or "NULL"
        return f"{lhs} IN ({placeholders})", [*lhs_params, *values]


for _field in (
    ListEntry._meta.get_field("value"),
    *(RuleSnooze._meta.get_field(n) for n in ("customer", "beneficiary")),
):
    assert isinstance(_field, Field)
    _field.register_lookup(AnyOf)


def rule_specs(rules: Iterable[Rule | dict[str, Any]]) -> list[RuleSpec]:
    """Enabled rules as specs; accepts Rule rows or their `as_dict()` snapshots."""
    specs = []
    for rule in rules:
        row = rule.as_dict() if isinstance(rule, Rule) else rule
        if not row["enabled"]:
            continue
        specs.append(
            RuleSpec(
                code=str(row["code"]),
                condition=str(row["condition"]),
                effect=str(row["effect"]),
                value=float(row["value"]),  # type: ignore[arg-type]
                reason_ko=str(row["reason_ko"]),
                reason_en=str(row["reason_en"]),
            )
        )
    return specs


def ruleset_compiled(*, version: RuleSetVersion | None) -> CompiledRuleSet:
    """A version's enabled rules, compiled once per process. A draft is compiled afresh each time."""
    if version is None:
        return CompiledRuleSet(version=None, rules=[])
    key = (version.pk, version.number, version.published_at) if version.published_at else None
    return ruleset_compile(
        lambda: rule_specs(version.rules.select_related("owner").order_by("code")),
        version=version.number,
        cache_key=key,
    )


def ruleset_live() -> CompiledRuleSet:
    """The live version, compiled: one small query per scoring batch, compiled once per version."""
    version = RuleSetVersion.objects.filter(is_live=True).first()
    return ruleset_compiled(version=version)


def threshold_governed(*, model_version_id: int | None) -> AlertThreshold | None:
    if model_version_id is None:
        return None
    return (
        AlertThreshold.objects.filter(model_version_id=model_version_id)
        .order_by("-created_at", "-id")
        .first()
    )


def threshold_effective(*, model_version_id: int | None, model_threshold: float) -> float:
    """The governed threshold chosen for this model version, else the model's own trained threshold.

    Tied to the version: after a promotion the new model scores with its own threshold until a
    threshold is approved for it.
    """
    governed = threshold_governed(model_version_id=model_version_id)
    return governed.value if governed is not None else model_threshold


def list_names() -> dict[str, str]:
    return dict(WatchList.objects.values_list("name", "kind"))


def list_entries_active(*, now: datetime | None = None) -> QuerySet[ListEntry]:
    now = now or timezone.now()
    return ListEntry.objects.filter(removed_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def list_memberships(*, values: Iterable[str], now: datetime | None = None) -> set[tuple[str, str]]:
    """(list name, value) for every active, unexpired entry among `values`: one query per batch."""
    wanted = {v for v in values if v}
    if not wanted:
        return set()
    return set(
        list_entries_active(now=now)
        .filter(value__any_of=sorted(wanted))
        .values_list("watch_list__name", "value")
    )


def snoozes_active(
    *, customer_ids: Iterable[int], beneficiaries: Iterable[str], now: datetime | None = None
) -> tuple[dict[int, set[str]], dict[str, set[str]]]:
    """Snoozed rule codes per customer id and per beneficiary, for one batch."""
    now = now or timezone.now()
    customer_ids = list(customer_ids)
    beneficiaries = [b for b in beneficiaries if b]
    by_customer: dict[int, set[str]] = defaultdict(set)
    by_beneficiary: dict[str, set[str]] = defaultdict(set)
    if not customer_ids and not beneficiaries:
        return by_customer, by_beneficiary
    for code, customer_id, beneficiary in RuleSnooze.objects.filter(
        Q(customer__any_of=customer_ids) | Q(beneficiary__any_of=beneficiaries),
        lifted_at__isnull=True,
        until__gt=now,
    ).values_list("rule_code", "customer_id", "beneficiary"):
        if customer_id is not None:
            by_customer[customer_id].add(code)
        if beneficiary:
            by_beneficiary[beneficiary].add(code)
    return by_customer, by_beneficiary


@dataclass(frozen=True)
class SmishingEvidence:
    reports: int = 0
    reporters: int = 0
    confirmed: int = 0


def _indicator_numbers(
    accounts: Sequence[str], phones: Sequence[str]
) -> tuple[dict[tuple[str, str], str], Q]:
    """The indicator keys for these accounts and phones (key -> number as asked), and the condition
    that finds their indicators in one query however many are asked."""
    from smishing.models import Indicator

    # An all-digit account is its own key (number_key keeps digits only): a backtest chunk asks for
    # tens of thousands, so the per-character walk is skipped for those.
    asked = {
        ("account", a if a.isdigit() else Indicator.number_key(Indicator.Kind.ACCOUNT, a)): a
        for a in accounts
        if a
    }
    asked.update({("phone", Indicator.number_key(Indicator.Kind.PHONE, p)): p for p in phones if p})
    number_field = Indicator._meta.get_field("normalized")
    assert isinstance(number_field, Field)
    if "any_of" not in number_field.get_lookups():
        number_field.register_lookup(AnyOf)  # a backtest chunk asks for tens of thousands of numbers
    condition = Q()
    for kind in ("account", "phone"):
        keys = {normalized for k, normalized in asked if k == kind}
        if keys:
            condition |= Q(kind=kind, normalized__any_of=sorted(keys))
    return asked, condition


def smishing_evidence(*, accounts: Sequence[str], phones: Sequence[str]) -> dict[str, SmishingEvidence]:
    """Per digits-only account or phone: reports naming it, distinct reporters, analyst-confirmed ones.

    Reports labelled normal or ad do not count. One query however many numbers are asked.
    """
    from smishing.models import BENIGN_LABELS, Indicator, Label

    asked, condition = _indicator_numbers(accounts, phones)
    if not asked:
        return {}
    rows = (
        Indicator.objects.filter(condition)
        .exclude(submission__label__in=BENIGN_LABELS)
        .values("kind", "normalized")
        .annotate(
            reports=Count("submission_id", distinct=True),
            reporters=Count("submission__submitted_by_id", distinct=True),
            confirmed=Count(
                "submission_id", distinct=True, filter=Q(submission__analyst_label=Label.SMISHING)
            ),
        )
    )
    result: dict[str, SmishingEvidence] = {}
    for row in rows:
        original = asked.get((row["kind"], row["normalized"]))
        if original is not None:
            result[original] = SmishingEvidence(row["reports"], row["reporters"], row["confirmed"])
    return result


@dataclass
class EvidenceTimeline:
    """The reports naming one account or phone, in the order they arrived: what was known of it at
    any moment. A report counts from its submission; a confirmation from the analyst's label."""

    reports: list[tuple[float, int, float | None]] = field(default_factory=list)

    def at(self, epoch: float) -> SmishingEvidence:
        known = [
            (reporter, confirmed) for submitted, reporter, confirmed in self.reports if submitted <= epoch
        ]
        if not known:
            return SmishingEvidence()
        return SmishingEvidence(
            reports=len(known),
            reporters=len({reporter for reporter, _ in known}),
            confirmed=sum(1 for _, confirmed in known if confirmed is not None and confirmed <= epoch),
        )


def smishing_evidence_timelines(
    *, accounts: Sequence[str], phones: Sequence[str]
) -> dict[str, EvidenceTimeline]:
    """`smishing_evidence` for the past: per account or phone, when each report naming it arrived and
    when it was confirmed, so that a backtest sees what scoring could have known at each
    transaction's time rather than reports filed after it. One query however many are asked."""
    from smishing.models import BENIGN_LABELS, Indicator, Label

    asked, condition = _indicator_numbers(accounts, phones)
    if not asked:
        return {}
    rows = (
        Indicator.objects.filter(condition)
        .exclude(submission__label__in=BENIGN_LABELS)
        .values_list(
            "kind",
            "normalized",
            "submission_id",
            "submission__created_at",
            "submission__submitted_by_id",
            "submission__analyst_label",
            "submission__labelled_at",
        )
        .distinct()
        .order_by("submission__created_at", "submission_id")
    )
    result: dict[str, EvidenceTimeline] = {}
    seen: set[tuple[str, int]] = set()
    for kind, normalized, submission_id, created, reporter, analyst_label, labelled in rows:
        original = asked.get((kind, normalized))
        if original is None or (original, submission_id) in seen:
            continue
        seen.add((original, submission_id))
        confirmed = (labelled or created).timestamp() if analyst_label == Label.SMISHING else None
        result.setdefault(original, EvidenceTimeline()).reports.append(
            (created.timestamp(), reporter, confirmed)
        )
    return result


# --- Pages -------------------------------------------------------------------------------------------


@dataclass
class RulePerformance:
    code: str
    hits: int = 0
    alerts: int = 0
    decided: int = 0
    frauds: int = 0
    dismissed: int = 0
    last_fired: datetime | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.frauds / self.decided if self.decided else None


def rule_performance(*, codes: Sequence[str], days: int = 30) -> dict[str, RulePerformance]:
    """Hits, precision over decided alerts and last fired per rule code, over the last `days` days.

    A rule that never fired, or whose alerts were all dismissed, is flagged.
    """
    from alerts.models import Score

    since = timezone.now() - timedelta(days=days)
    perf = {code: RulePerformance(code) for code in codes}
    rows = (
        Score.objects.filter(created_at__gte=since)
        .exclude(rule_hits=[])
        .values_list("rule_hits", "created_at", "alert__status", "transaction__is_fraud")
    )
    for hits, created_at, alert_status, is_fraud in rows.iterator(chunk_size=5000):
        for code in hits:
            p = perf.get(code)
            if p is None:
                continue
            p.hits += 1
            p.last_fired = created_at if p.last_fired is None or created_at > p.last_fired else p.last_fired
            if alert_status is not None:
                p.alerts += 1
                if alert_status == "dismissed":
                    p.dismissed += 1
            if is_fraud is not None:
                p.decided += 1
                p.frauds += int(bool(is_fraud))
    for p in perf.values():
        if p.hits == 0:
            p.flags.append("never_fired")
        elif p.alerts and p.dismissed == p.alerts:
            p.flags.append("only_dismissed")
    return perf


def versions_diff(*, older: RuleSetVersion, newer: RuleSetVersion) -> list[dict[str, Any]]:
    """Per rule code: added, removed or changed (with the fields that differ)."""
    a = {r.code: r.as_dict() for r in older.rules.select_related("owner")}
    b = {r.code: r.as_dict() for r in newer.rules.select_related("owner")}
    out = []
    for code in sorted(set(a) | set(b)):
        if code not in a:
            out.append({"code": code, "change": "added", "after": b[code], "fields": []})
        elif code not in b:
            out.append({"code": code, "change": "removed", "before": a[code], "fields": []})
        else:
            fields = [k for k in b[code] if k != "owner" and a[code].get(k) != b[code].get(k)]
            if fields:
                out.append(
                    {"code": code, "change": "changed", "before": a[code], "after": b[code], "fields": fields}
                )
    return out


def threshold_for_budget(*, alerts_per_day: float, days: int) -> dict[str, Any]:
    """The lowest threshold whose alerts over the last `days` days of stored scores stay within
    `alerts_per_day`, with the alert rate it implies and a curve for the chart."""
    import numpy as np

    from alerts.models import Score

    since = timezone.now() - timedelta(days=days)
    scores = np.fromiter(
        Score.objects.filter(created_at__gte=since)
        .values_list("score", flat=True)
        .iterator(chunk_size=20000),
        dtype=np.float64,
    )
    total = len(scores)
    if total == 0:
        return {"threshold": None, "transactions": 0, "days": days}
    ordered = np.sort(scores)[::-1]
    budget = max(1, int(math.floor(alerts_per_day * days)))
    if budget >= total:
        threshold = float(max(0.01, ordered[-1]))
    else:
        # Just above the first score outside the budget, so ties at the cut do not overflow it.
        threshold = float(min(1.0, np.nextafter(ordered[budget], 2.0)))
    threshold = max(threshold, 0.01)
    alerts = int(np.sum(scores >= threshold))
    cuts = np.linspace(0.05, 0.99, 48)
    curve = [(float(c), float(np.sum(scores >= c)) / days) for c in cuts]
    return {
        "threshold": threshold,
        "alerts": alerts,
        "alerts_per_day": alerts / days,
        "alert_rate": alerts / total,
        "transactions": total,
        "days": days,
        "curve": curve,
    }


def threshold_implied(*, value: float, days: int = 30) -> dict[str, Any]:
    """What a threshold would have meant over the stored scores of the last `days` days."""
    from alerts.models import Score

    window = Score.objects.filter(created_at__gte=timezone.now() - timedelta(days=days))
    total = window.count()
    alerts = window.filter(score__gte=value).count()
    return {
        "days": days,
        "transactions": total,
        "alerts": alerts,
        "alerts_per_day": alerts / days,
        "alert_rate": alerts / total if total else None,
    }


def last_scored_at() -> datetime | None:
    from alerts.models import Score

    return Score.objects.aggregate(last=Max("created_at"))["last"]
