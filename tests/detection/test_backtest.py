"""The backtest's counts equal a brute-force recomputation over the same stored scores."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts.features import FEATURE_NAMES, KST
from alerts.models import Customer, Merchant, ModelVersion, Score, Transaction
from detection import services
from detection.models import Backtest, Rule
from tests.detection.conftest import rule_data

pytestmark = pytest.mark.django_db


def _fixture(n: int = 400) -> list[dict]:
    """Scored transactions with stored features, some labelled, some outside the 30-day window."""
    rng = random.Random(7)
    model = ModelVersion.objects.create(name="bt", artifact=b"x", threshold=0.5, is_active=True)
    customer = Customer.objects.create(external_id="BT-C")
    merchant = Merchant.objects.create(external_id="BT-M", category="gas_station")
    now = timezone.now()
    rows = []
    for i in range(n):
        features: dict[str, float | None] = {name: rng.random() for name in FEATURE_NAMES}
        amount = rng.choice([5_000, 600_000, 3_500_000])
        features.update(
            amount=float(amount),
            cnt_1h=float(rng.randint(0, 12)),
            new_beneficiary=float(rng.random() < 0.4),
            is_night=float(rng.random() < 0.3),
            age=None if rng.random() < 0.1 else 40.0,
        )
        when = now - timedelta(days=rng.uniform(0, 40))
        tx = Transaction.objects.create(
            external_id=f"BT-{i}",
            customer=customer,
            merchant=merchant if rng.random() < 0.3 else None,
            amount=amount,
            occurred_at=when,
            country=rng.choice(["KR", "KR", "JP"]),
            status="scored",
            is_fraud=rng.choice([None, None, True, False]),
        )
        p = rng.random() * 0.8
        Score.objects.create(
            transaction=tx, model_version=model, score=p, model_score=p, features=features, created_at=when
        )
        rows.append({"features": features, "p": p, "when": when, "tx": tx})
    return rows


def _brute_force(rows: list[dict], days: int) -> dict:
    """The same comparison, written out by hand from the rules' meaning."""
    since = timezone.now() - timedelta(days=days)

    def live(f: dict, tx: Transaction) -> dict[str, tuple[str, float]]:
        hits = {}
        if f["new_beneficiary"] == 1.0 and f["amount"] >= 3_000_000:
            hits["large_first_transfer"] = ("add", 0.15)
        if f["cnt_1h"] >= 8:
            hits["card_testing"] = ("add", 0.2)
        return hits

    def draft(f: dict, tx: Transaction) -> dict[str, tuple[str, float]]:
        hits = {}
        if f["cnt_1h"] >= 5:
            hits["card_testing"] = ("add", 0.2)
        if f["is_night"] == 1.0 and f["amount"] >= 500_000:
            hits["night_big"] = ("add", 0.3)
        if tx.country == "JP":
            hits["quiet_japan"] = ("suppress", 0.0)
        if tx.merchant_id and f["age"] is not None and f["age"] > 30:
            hits["fuel_adult"] = ("add", 0.05)
        return hits

    def final(p: float, hits: dict) -> bool:
        score = min(1.0, p + sum(v for e, v in hits.values() if e == "add"))
        return score >= 0.5 and not any(e == "suppress" for e, _ in hits.values())

    totals: dict[str, Counter[str]] = {"draft": Counter(), "live": Counter()}
    per_rule: dict[str, Counter[str]] = {}
    per_day: dict[str, Counter[str]] = {"draft": Counter(), "live": Counter()}
    added = removed = 0
    for row in rows:
        if row["when"] < since:
            continue
        f, tx = row["features"], row["tx"]
        hd, hl = draft(f, tx), live(f, tx)
        ad, al = final(row["p"], hd), final(row["p"], hl)
        day = row["when"].astimezone(KST).date().isoformat()
        for side, alerted in (("draft", ad), ("live", al)):
            if alerted:
                totals[side]["alerts"] += 1
                per_day[side][day] += 1
                if tx.is_fraud is not None:
                    totals[side]["decided"] += 1
                    totals[side]["frauds"] += int(tx.is_fraud)
        for code in hd:
            c = per_rule.setdefault(code, Counter())
            c["hits_draft"] += 1
            c["added"] += int(ad and not al)
        for code in hl:
            c = per_rule.setdefault(code, Counter())
            c["hits_live"] += 1
            c["removed"] += int(al and not ad)
        added += int(ad and not al)
        removed += int(al and not ad)
    return {"totals": totals, "rules": per_rule, "added": added, "removed": removed, "per_day": per_day}


def test_backtest_counts_equal_a_brute_force_recomputation(
    seniors, client_for, django_capture_on_commit_callbacks
):
    maker, _checker = seniors
    rows = _fixture()
    services.rule_save(
        user=maker,
        data=rule_data("night_big", "is_night == 1.0 && amount >= 500000.0", effect="add", value=0.3),
    )
    services.rule_save(
        # A ternary is outside the column-wise subset: this rule is evaluated row by row by CEL.
        user=maker,
        data=rule_data("quiet_japan", "tx_country == 'JP' ? true : false", effect="suppress", value=0.0),
    )
    services.rule_save(
        user=maker,
        data=rule_data(
            "fuel_adult",
            "merchant_category == 'gas_station' && age != null && age > 30.0",
            effect="add",
            value=0.05,
        ),
    )
    draft = services.draft_get()
    assert draft is not None
    card = Rule.objects.get(version=draft, code="card_testing")
    services.rule_save(
        user=maker,
        rule_id=card.pk,
        data=services.RuleData(
            code="card_testing",
            condition="cnt_1h >= 5.0",
            effect="add",
            value=0.2,
            reason_ko=card.reason_ko,
            reason_en=card.reason_en,
        ),
    )
    services.rule_delete(user=maker, rule_id=Rule.objects.get(version=draft, code="large_first_transfer").pk)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(maker).post(reverse("detection:backtest_start"), {"days": 30})
    backtest = Backtest.objects.get()
    assert response.status_code == 302 and backtest.status == Backtest.Status.DONE  # Celery is eager in tests
    result = backtest.result
    expected = _brute_force(rows, 30)

    assert result["transactions"] == sum(1 for r in rows if r["when"] >= timezone.now() - timedelta(days=30))
    for side in ("draft", "live"):
        assert result["totals"][side]["alerts"] == expected["totals"][side]["alerts"]
        assert result["totals"][side]["frauds_caught"] == expected["totals"][side]["frauds"]
        assert result["totals"][side]["decided"] == expected["totals"][side]["decided"]
    assert (result["alerts_added"], result["alerts_removed"]) == (expected["added"], expected["removed"])
    by_code = {r["code"]: r for r in result["rules"]}
    for code, counts in expected["rules"].items():
        for key in ("hits_draft", "hits_live", "added", "removed"):
            assert by_code[code][key] == counts[key], (code, key)
    days = result["per_day"]["days"]
    assert dict(zip(days, result["per_day"]["draft"], strict=True)) == {
        d: expected["per_day"]["draft"][d] for d in days
    }
    assert sum(result["per_day"]["live"]) == expected["totals"]["live"]["alerts"]
    assert len(result["samples"]["added"]) == min(20, expected["added"])
    assert {r["code"]: r["vectorised"] for r in result["rules"]}["quiet_japan"] is False
    assert {r["code"]: r["vectorised"] for r in result["rules"]}["night_big"] is True

    page = client_for(maker).get(reverse("detection:backtest", args=[backtest.pk])).content.decode()
    assert 'data-testid="backtest-chart"' in page and 'data-testid="publish"' in page
