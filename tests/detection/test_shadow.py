"""Shadow runs: a draft evaluated on live traffic beside the live version, without alerting."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from alerts.models import Alert
from audit.models import AuditEvent
from detection import services, shadow
from detection.models import Rule, ShadowOutcome, ShadowRun
from fdsportal import roles
from tests.detection.conftest import rule_data, score_one, transfer_row
from tests.factories import active_model_install

pytestmark = pytest.mark.django_db
MULE = "100200300400"


def test_a_draft_in_shadow_scores_beside_live_without_alerting_and_is_compared_per_day(
    seniors, client_for
) -> None:
    maker, checker = seniors
    active_model_install()
    services.rule_save(user=maker, data=rule_data("shadow_mule", f"beneficiary_account == '{MULE}'"))
    page = client_for(checker).post(reverse("detection:shadow_start"), {"version": "", "reason": "try it"})
    run = ShadowRun.objects.get(active=True)
    assert page.status_code == 302 and run.version.status == "draft"
    started = AuditEvent.objects.get(action="detection.shadow.started")
    assert started.actor_id == checker.pk and started.after["rules"].count("shadow_mule") == 1

    hit = score_one("SH-1", customer="A", **transfer_row(account=MULE))
    # Live did what it always did: the draft's floor of 0.99 neither raised the score nor alerted.
    assert hit.rule_set_version == 1 and "shadow_mule" not in hit.rule_hits and hit.score == hit.model_score
    live_alerted = Alert.objects.filter(transaction=hit.transaction).exists()
    outcome = ShadowOutcome.objects.get(run=run, transaction=hit.transaction)
    assert outcome.alerted is True and outcome.score >= 0.99 and outcome.rule_hits == ["shadow_mule"]
    assert outcome.live_alerted is live_alerted and outcome.live_rule_hits == []

    # Editing the draft afterwards does not change what runs in shadow: the run froze its rules.
    rule = Rule.objects.get(version=run.version, code="shadow_mule")
    services.rule_save(
        user=maker, rule_id=rule.pk, data=rule_data("shadow_mule", "beneficiary_account == '999'")
    )
    quiet = score_one("SH-2", customer="B", **transfer_row(account="555666777888"))
    again = score_one("SH-3", customer="C", **transfer_row(account=MULE))
    assert ShadowOutcome.objects.get(run=run, transaction=again.transaction).rule_hits == ["shadow_mule"]
    # Where neither alerts and the same rules fire, only the count is kept.
    quiet_alerted = Alert.objects.filter(transaction=quiet.transaction).exists()
    assert ShadowOutcome.objects.filter(transaction=quiet.transaction).exists() is quiet_alerted
    run.refresh_from_db()
    assert run.transactions == 3

    comparison = client_for(checker).get(f"/api/detection/shadow/{run.pk}").json()["comparison"]
    assert comparison["totals"]["shadow"]["alerts"] == 2 + quiet_alerted
    assert comparison["totals"]["live"]["alerts"] == Alert.objects.count()
    assert comparison["alerts_added"] == 2 - sum(
        1 for tx in (hit, again) if Alert.objects.filter(transaction=tx.transaction).exists()
    )
    assert sum(comparison["per_day"]["shadow"]) == 2 + quiet_alerted and len(comparison["days"]) >= 1
    html = client_for(maker).get(reverse("detection:shadow_run", args=[run.pk])).content.decode()
    assert 'data-testid="shadow-chart"' in html, html[html.find("<main") :][:3000]
    assert "SH-1" in html or live_alerted

    stop = client_for(checker).post(
        f"/api/detection/shadow/{run.pk}/stop",
        json.dumps({"reason": "seen enough"}),
        content_type="application/json",
    )
    assert stop.status_code == 200 and stop.json()["active"] is False
    stopped = AuditEvent.objects.get(action="detection.shadow.stopped")
    assert stopped.before["active"] is True and stopped.after == {"active": False, "transactions": 3}
    after = score_one("SH-4", customer="D", **transfer_row(account=MULE))
    assert not ShadowOutcome.objects.filter(transaction=after.transaction).exists()
    run.refresh_from_db()
    assert run.transactions == 3


def test_only_a_senior_runs_a_shadow_one_at_a_time_and_never_the_live_version(seniors, client_for, make_user):
    maker, checker = seniors
    analyst = make_user(roles.FRAUD_ANALYST, "shadow-analyst")
    compliance = make_user(roles.COMPLIANCE_REVIEWER, "shadow-compliance")
    services.rule_save(user=maker, data=rule_data("shadow_x", "amount > 1.0"))
    assert client_for(analyst).post(reverse("detection:shadow_start"), {}).status_code == 403
    refused = client_for(compliance).post(
        "/api/detection/shadow", json.dumps({}), content_type="application/json"
    )
    assert refused.status_code == 403 and not ShadowRun.objects.exists()

    live = client_for(maker).post(
        "/api/detection/shadow", json.dumps({"version": 1}), content_type="application/json"
    )
    assert live.status_code == 409 and not ShadowRun.objects.exists()
    created = client_for(maker).post("/api/detection/shadow", json.dumps({}), content_type="application/json")
    assert created.status_code == 201 and created.json()["rules"].count("shadow_x") == 1
    second = client_for(checker).post(
        "/api/detection/shadow", json.dumps({}), content_type="application/json"
    )
    assert second.status_code == 409 and ShadowRun.objects.count() == 1
    # Compliance reads the runs and their comparison.
    listed = client_for(compliance).get("/api/detection/shadow").json()
    assert [r["id"] for r in listed] == [created.json()["id"]]
    assert client_for(compliance).get(reverse("detection:shadow")).status_code == 200
    # Stopping twice changes nothing the second time.
    run_id = created.json()["id"]
    shadow.shadow_stop(user=checker, run_id=run_id)
    shadow.shadow_stop(user=checker, run_id=run_id)
    assert AuditEvent.objects.filter(action="detection.shadow.stopped").count() == 1
