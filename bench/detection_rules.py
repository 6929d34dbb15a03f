"""Rule sets for the benchmarks: the seeded rules plus realistic extra ones, installed as the live
version directly (benchmark set-up, not the governed path)."""

from __future__ import annotations

from typing import Any


def bench_rules(count: int, *, variant: int = 0, broad: bool = False) -> list[dict[str, Any]]:
    """`count` extra rules over numbers, strings, nulls, lists and smishing fields; `variant` shifts
    their thresholds (a draft that differs from the live version).

    The rules are narrow, as rules that pass a backtest review are: together they raise the alerts
    of the simulated traffic by about a half. `broad=True` loosens the first shape (three times the
    customer's usual amount from 200,000 won, one of them a floor) until the set raises them
    more than threefold, which no bank would publish: the benchmarks use it to show what extra
    alerts cost."""
    ratio, floor_amount = (3.0, 200_000.0) if broad else (8.0, 1_000_000.0)
    shapes = [
        ("amount_ratio_mean != null && amount_ratio_mean >= {a} && amount >= {b}", ratio, floor_amount),
        ("cnt_24h >= {a} && sum_1h >= {b}", 10.0, 500_000.0),
        ("tx_channel == 'online' && foreign == 1.0 && amount >= {b}", 0.0, 300_000.0),
        ("is_night == 1.0 && new_merchant == 1.0 && amount >= {b}", 0.0, 150_000.0),
        ("in_list('bench-accounts', beneficiary_account) && amount >= {b}", 0.0, 10_000.0),
        ("age != null && age >= {a} && new_beneficiary == 1.0 && amount >= {b}", 65.0, 1_000_000.0),
        ("merchant_risk_30d != null && merchant_risk_30d >= {a}", 0.2, 0.0),
        ("smishing_reports >= 1 && amount >= {b}", 0.0, 100_000.0),
        ("secs_since_last != null && secs_since_last < {a} && cnt_1h >= 3.0", 30.0, 0.0),
        ("customer_segment == 'youth' && merchant_category == 'game' && amount >= {b}", 0.0, 50_000.0),
    ]
    rules = []
    for i in range(count):
        template, a, b = shapes[i % len(shapes)]
        step = 1 + i // len(shapes) + variant
        rules.append(
            {
                "code": f"bench_rule_{i:02d}",
                "condition": template.format(a=a * (1 + 0.1 * step), b=b * step),
                "effect": "floor" if i % 7 == 0 else "add",
                "value": 0.9 if i % 7 == 0 else 0.05,
                "reason_ko": f"벤치 규칙 {i}: {{amount:,.0f}}원",
                "reason_en": f"bench rule {i}: KRW {{amount:,.0f}}",
            }
        )
    return rules


def live_version_install(*, extra: int, keep_seeded: bool = True, broad: bool = False) -> int:
    """Publish a version with the seeded rules (or none) plus `extra` bench rules, and make it live.
    Returns how many rules are active."""
    from django.utils import timezone

    from detection.models import Rule, RuleSetVersion, WatchList

    WatchList.objects.get_or_create(name="bench-accounts", defaults={"kind": "account"})
    seeded = list(RuleSetVersion.objects.get(is_live=True).rules.all()) if keep_seeded else []
    number = RuleSetVersion.objects.order_by("-number").values_list("number", flat=True).first() or 0
    RuleSetVersion.objects.filter(is_live=True).update(is_live=False)
    version = RuleSetVersion.objects.create(
        number=number + 1, status="published", is_live=True, published_at=timezone.now(), note="benchmark"
    )
    rows = [
        Rule(
            version=version,
            code=r.code,
            condition=r.condition,
            effect=r.effect,
            value=r.value,
            reason_ko=r.reason_ko,
            reason_en=r.reason_en,
            enabled=r.enabled,
        )
        for r in seeded
    ]
    rows += [Rule(version=version, **spec) for spec in bench_rules(extra, broad=broad)]
    Rule.objects.bulk_create(rows)
    return sum(1 for r in rows if r.enabled)
