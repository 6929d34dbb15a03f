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


def test_the_backtest_uses_lists_and_snoozes_as_they_were_at_each_transactions_time(seniors):
    """Entries and snoozes have a start and an end: a transaction before an entry was made, after it
    expired or after it was removed is not on the list, and a rule snoozed at its time does not fire,
    whatever holds now. Both the column-wise and the CEL path agree with a recomputation by hand."""
    from alerts.models import Alert
    from detection.models import ListEntry, RuleSnooze, WatchList

    maker, _checker = seniors
    rng = random.Random(5)
    model = ModelVersion.objects.create(name="asof", artifact=b"x", threshold=0.5, is_active=True)
    snoozed_customer = Customer.objects.create(external_id="ASOF-SNOOZED")
    other_customer = Customer.objects.create(external_id="ASOF-OTHER")
    now = timezone.now()
    accounts = ["110200000001", "110200000002", "110200000003", "110200000004"]
    watch = WatchList.objects.create(name="asof-watch", kind="account")
    day = timedelta(days=1)
    # (value, created, expires, removed): made 20 days ago and still on; made 10 days ago; expired 12
    # days ago; removed 5 days ago. The fourth account was never listed.
    entries = [
        (accounts[0], now - 20 * day, None, None),
        (accounts[1], now - 10 * day, None, None),
        (accounts[2], now - 25 * day, now - 12 * day, None),
        (accounts[3], now - 25 * day, None, now - 5 * day),
    ]
    for value, created, expires, removed in entries:
        entry = ListEntry.objects.create(
            watch_list=watch, value=value, reason="x", author=maker, expires_at=expires, removed_at=removed
        )
        ListEntry.objects.filter(pk=entry.pk).update(created_at=created)
    rows = []
    for i in range(300):
        features = {name: 0.0 for name in FEATURE_NAMES}
        features["amount"] = 50_000.0
        when = now - timedelta(days=rng.uniform(0, 29))
        customer = snoozed_customer if i % 3 == 0 else other_customer
        tx = Transaction.objects.create(
            external_id=f"ASOF-{i}",
            customer=customer,
            amount=50_000,
            occurred_at=when,
            beneficiary_account=rng.choice(accounts + ["119999999999"]),
            channel="transfer",
            status="scored",
        )
        score = Score.objects.create(
            transaction=tx,
            model_version=model,
            score=0.1,
            model_score=0.1,
            features=features,
            created_at=when,
        )
        rows.append((tx, when, score))
    first = rows[0]
    alert = Alert.objects.create(transaction=first[0], score=first[2], customer=snoozed_customer)
    # The column-wise rule snoozed for one customer from 15 to 8 days ago (lifted early at 8 days).
    snooze = RuleSnooze.objects.create(
        rule_code="asof_listed",
        customer=snoozed_customer,
        alert=alert,
        reason="x",
        until=now - 3 * day,
        created_by=maker,
        lifted_at=now - 8 * day,
    )
    RuleSnooze.objects.filter(pk=snooze.pk).update(created_at=now - 15 * day)

    services.rule_save(
        user=maker,
        data=rule_data(
            "asof_listed", "in_list('asof-watch', beneficiary_account)", effect="floor", value=0.9
        ),
    )
    services.rule_save(  # a ternary: evaluated row by row by CEL, with the same as-of membership
        user=maker,
        data=rule_data(
            "asof_listed_cel",
            "in_list('asof-watch', beneficiary_account) ? amount > 1.0 : false",
            effect="add",
            value=0.0,
        ),
    )
    backtest = services.backtest_start(user=maker, days=30)
    services.backtest_run(backtest_id=backtest.pk)
    result = Backtest.objects.get(pk=backtest.pk).result

    def listed(value: str, when) -> bool:
        return any(
            v == value
            and created <= when
            and (expires is None or when < expires)
            and (removed is None or when < removed)
            for v, created, expires, removed in entries
        )

    def snoozed(tx: Transaction, when) -> bool:
        return tx.customer_id == snoozed_customer.pk and now - 15 * day <= when < now - 8 * day

    hits = sum(1 for tx, when, _s in rows if listed(tx.beneficiary_account, when) and not snoozed(tx, when))
    hits_cel = sum(1 for tx, when, _s in rows if listed(tx.beneficiary_account, when))
    by_code = {r["code"]: r for r in result["rules"]}
    assert by_code["asof_listed"]["vectorised"] is True and by_code["asof_listed_cel"]["vectorised"] is False
    assert by_code["asof_listed"]["hits_draft"] == hits
    assert by_code["asof_listed_cel"]["hits_draft"] == hits_cel
    assert result["totals"]["draft"]["alerts"] == hits  # the floor 0.9 alerts on its own
    # What "as of now" would have said differs: the expired and removed entries would match nothing,
    # the second entry would match its whole history, and the snooze would not apply.
    as_of_now = sum(1 for tx, _w, _s in rows if tx.beneficiary_account in accounts[:2])
    assert hits != as_of_now and 0 < hits < len(rows)


def test_the_backtest_counts_smishing_reports_only_from_when_they_were_filed(seniors, make_user):
    """A report filed ten days ago does not make a transfer twenty days ago look caught: the draft is
    credited only with what scoring could have known at each transaction's time, and a confirmation
    counts from the analyst's label."""
    from smishing.models import Indicator, Submission

    maker, _checker = seniors
    reporters = [make_user("employee", f"asof-reporter-{i}") for i in range(2)]
    model = ModelVersion.objects.create(name="asof-smish", artifact=b"x", threshold=0.5, is_active=True)
    customer = Customer.objects.create(external_id="ASOF-SMISH")
    now = timezone.now()
    day = timedelta(days=1)
    account = "110200009999"
    # Two reports naming the account: filed 10 and 4 days ago; the first confirmed 6 days ago, the
    # second labelled lawful (it never counts).
    for reporter, filed, label, analyst_label, labelled in (
        (reporters[0], now - 10 * day, "smishing", "smishing", now - 6 * day),
        (reporters[1], now - 4 * day, "normal", "normal", now - 3 * day),
    ):
        submission = Submission.objects.create(
            submitted_by=reporter,
            text=f"입금 계좌 {account}",
            status="done",
            label=label,
            analyst_label=analyst_label,
            labelled_at=labelled,
        )
        Submission.objects.filter(pk=submission.pk).update(created_at=filed)
        Indicator.objects.create(
            submission=submission, kind="account", value=account, normalized=account, start=6, end=18
        )
    ages = [20, 12, 8, 5, 2]  # days before now
    for i, age in enumerate(ages):
        features = {name: 0.0 for name in FEATURE_NAMES}
        features["amount"] = 50_000.0
        when = now - age * day
        tx = Transaction.objects.create(
            external_id=f"ASOF-S-{i}",
            customer=customer,
            amount=50_000,
            occurred_at=when,
            beneficiary_account=account,
            channel="transfer",
            status="scored",
        )
        Score.objects.create(
            transaction=tx,
            model_version=model,
            score=0.1,
            model_score=0.1,
            features=features,
            created_at=when,
        )
    services.rule_save(
        user=maker,
        data=rule_data("asof_reported", "smishing_reports >= 1", effect="floor", value=0.9),
    )
    services.rule_save(
        user=maker,
        data=rule_data("asof_confirmed", "smishing_confirmed >= 1 && smishing_reporters == 1", effect="add"),
    )
    backtest = services.backtest_start(user=maker, days=30)
    services.backtest_run(backtest_id=backtest.pk)
    result = Backtest.objects.get(pk=backtest.pk).result
    by_code = {r["code"]: r for r in result["rules"]}

    # Reported from 10 days ago: the transfers 8, 5 and 2 days ago; confirmed from 6 days ago: 5 and 2.
    assert by_code["asof_reported"]["hits_draft"] == 3
    assert by_code["asof_confirmed"]["hits_draft"] == 2
    assert result["totals"]["draft"]["alerts"] == 3
