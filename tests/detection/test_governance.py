"""Maker-checker, versions, publish and rollback, thresholds: as a bank's second approver sees them."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.urls import reverse

from alerts.models import Alert, ModelVersion, Score
from audit.models import AuditEvent
from detection import services
from detection.engine import RuleInvalid
from detection.models import AlertThreshold, ChangeRequest, Rule, RuleSetVersion
from fdsportal import roles
from tests.detection.conftest import draft_publish, rule_data, score_one, transfer_row
from tests.factories import active_model_install

pytestmark = pytest.mark.django_db


def _pending_publish(maker, *rules) -> ChangeRequest:
    for data in rules:
        services.rule_save(user=maker, data=data)
    backtest = services.backtest_start(user=maker, days=30)
    services.backtest_run(backtest_id=backtest.pk)
    return services.publish_request(user=maker, backtest_id=backtest.pk)


def test_the_seeded_rules_are_live_as_version_one() -> None:
    live = RuleSetVersion.objects.get(is_live=True)
    assert live.number == 1
    assert set(live.rules.values_list("code", flat=True)) == {
        "large_first_transfer",
        "card_testing",
        "smishing_reported_beneficiary",
        "smishing_watch_list",
    }


def test_the_built_in_large_first_transfer_rule_still_fires_with_its_values() -> None:
    active_model_install()
    score = score_one("BIG", **transfer_row(account="555666777888", amount=4_000_000))
    assert "large_first_transfer" in score.rule_hits
    assert score.rule_set_version == 1
    assert score.score == pytest.approx(min(1.0, score.model_score + 0.15))
    small = score_one("SMALL", customer="C2", **transfer_row(account="555666777888", amount=2_000_000))
    assert "large_first_transfer" not in small.rule_hits


def test_the_maker_cannot_approve_their_own_change_by_service_page_or_api(seniors, client_for) -> None:
    maker, _checker = seniors
    change = _pending_publish(maker, rule_data("mine", "amount > 1.0"))
    with pytest.raises(services.ApprovalRefused):
        services.change_approve(user=maker, change_id=change.pk)
    page = client_for(maker).post(reverse("detection:change_approve", args=[change.pk]))
    assert page.status_code == 403
    api = client_for(maker).post(
        f"/api/detection/changes/{change.pk}/approve", json.dumps({}), content_type="application/json"
    )
    assert api.status_code == 403
    change.refresh_from_db()
    assert change.status == ChangeRequest.Status.PENDING
    assert not RuleSetVersion.objects.filter(number=change.payload["version"], is_live=True).exists()
    # The change page offers the maker no approve button.
    html = client_for(maker).get(reverse("detection:change", args=[change.pk])).content.decode()
    assert 'data-testid="approve"' not in html and 'data-testid="maker-note"' in html


def test_an_approval_carries_the_backtest_and_is_audited_with_before_and_after(seniors) -> None:
    maker, checker = seniors
    change = _pending_publish(maker, rule_data("noted", "amount > 1.0"))
    assert change.backtest is not None and change.backtest.result["transactions"] >= 0
    services.change_approve(user=checker, change_id=change.pk, note="looked fine")
    event = AuditEvent.objects.get(action="detection.change.approved")
    assert event.before["live"] == 1
    assert event.after["live"] == change.payload["version"]
    assert event.context["backtest"] == change.backtest_id
    assert event.context["maker"] == maker.username


def test_publish_needs_a_backtest_of_exactly_the_current_draft(seniors) -> None:
    maker, _checker = seniors
    services.rule_save(user=maker, data=rule_data("first", "amount > 1.0"))
    backtest = services.backtest_start(user=maker, days=30)
    services.backtest_run(backtest_id=backtest.pk)
    services.rule_save(user=maker, data=rule_data("second", "amount > 2.0"))
    with pytest.raises(services.DetectionError, match="changed after this backtest"):
        services.publish_request(user=maker, backtest_id=backtest.pk)


def test_publish_scores_the_next_batch_with_the_new_version_and_rollback_restores_the_old(seniors) -> None:
    maker, checker = seniors
    active_model_install()
    before = score_one("T1", customer="A", **transfer_row(account="100200300400"))
    assert before.rule_set_version == 1 and "watch_mule" not in before.rule_hits

    version = draft_publish(maker, checker, rule_data("watch_mule", "beneficiary_account == '100200300400'"))
    after = score_one("T2", customer="B", **transfer_row(account="100200300400"))
    assert after.rule_set_version == version
    assert "watch_mule" in after.rule_hits and after.score >= 0.99
    alert = Alert.objects.get(transaction=after.transaction)
    assert any(r["code"] == "watch_mule" and "30,000원" in r["text_ko"] for r in alert.score.reasons)

    # One click by a senior (the version passed maker-checker when it was published): no approval.
    services.rollback(user=maker, number=1, reason="too noisy")
    rolled = score_one("T3", customer="C", **transfer_row(account="100200300400"))
    assert rolled.rule_set_version == 1 and "watch_mule" not in rolled.rule_hits


def test_rollback_is_one_click_for_a_senior_audited_with_before_and_after(seniors, client_for, make_user):
    maker, checker = seniors
    version = draft_publish(maker, checker, rule_data("noisy", "amount > 1.0"))
    analyst = make_user(roles.FRAUD_ANALYST, "plain-analyst")
    assert client_for(analyst).post(reverse("detection:rollback", args=[1])).status_code == 403
    with pytest.raises(services.ApprovalRefused):
        services.rollback(user=analyst, number=1)
    assert RuleSetVersion.objects.get(is_live=True).number == version

    page = client_for(maker).get(reverse("detection:version", args=[1])).content.decode()
    assert 'data-testid="rollback"' in page
    response = client_for(maker).post(reverse("detection:rollback", args=[1]))  # one click, no reason
    assert response.status_code == 302
    assert RuleSetVersion.objects.get(is_live=True).number == 1
    assert not ChangeRequest.objects.filter(kind=ChangeRequest.Kind.ROLLBACK).exists()
    event = AuditEvent.objects.get(action="detection.version.rolled_back")
    assert event.actor_id == maker.pk
    assert event.before["live"] == version and "noisy" in [r["code"] for r in event.before["rules"]]
    assert event.after["live"] == 1 and "noisy" not in [r["code"] for r in event.after["rules"]]

    # Through the API, back to the newer version; a draft or the live version cannot be rolled to.
    api = client_for(checker).post(
        f"/api/detection/versions/{version}/rollback", json.dumps({}), content_type="application/json"
    )
    assert api.status_code == 200 and api.json()["is_live"] is True
    again = client_for(checker).post(
        f"/api/detection/versions/{version}/rollback", json.dumps({}), content_type="application/json"
    )
    assert again.status_code == 409
    services.rule_save(user=maker, data=rule_data("unpublished", "amount > 2.0"))
    draft = services.draft_get()
    assert draft is not None
    with pytest.raises(services.DetectionError):
        services.rollback(user=checker, number=draft.number)
    assert RuleSetVersion.objects.get(is_live=True).number == version


def test_a_published_version_cannot_be_edited(seniors) -> None:
    maker, checker = seniors
    draft_publish(maker, checker, rule_data("frozen", "amount > 1.0"))
    published = Rule.objects.get(code="frozen", version__is_live=True)
    with pytest.raises(services.DetectionError):
        services.rule_delete(user=maker, rule_id=published.pk)
    # Editing starts a new draft copied from the live version; the published rule stays as it was.
    draft = services.draft_get(user=maker, create=True)
    assert draft is not None and draft.number > published.version.number
    assert set(draft.rules.values_list("code", flat=True)) == set(
        published.version.rules.values_list("code", flat=True)
    )


def test_a_bad_expression_is_refused_with_its_position_and_nothing_is_saved(seniors, client_for) -> None:
    maker, _checker = seniors
    with pytest.raises(RuleInvalid):
        services.rule_save(user=maker, data=rule_data("broken", "amount >"))
    response = client_for(maker).post(
        "/api/detection/rules",
        json.dumps(
            {
                "code": "broken",
                "condition": "amount > 1.0 &&\n  balance > 2.0",
                "reason_ko": "x",
                "reason_en": "x",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["line"], error["column"]) == ("condition", 2, 3)
    assert "balance" in error["message"]
    page = client_for(maker).post(
        reverse("detection:rule_new"),
        {
            "code": "broken",
            "condition": "amount >",
            "effect": "add",
            "value": "0.1",
            "reason_ko": "x",
            "reason_en": "x",
        },
    )
    assert page.status_code == 400 and "1:9" in page.content.decode()
    assert not Rule.objects.filter(code="broken").exists()


def test_a_threshold_change_applies_to_new_scores_only_and_follows_the_model_version(seniors) -> None:
    maker, checker = seniors
    model = active_model_install()
    old = score_one("OLD", customer="A", **transfer_row(account="100200300401"))
    assert old.alert_threshold == pytest.approx(model.threshold)
    change = services.threshold_request(user=maker, value=0.999, alerts_per_day=5, reason="budget")
    # The approver sees what both thresholds would have meant over the stored scores.
    assert change.payload["window"]["requested"]["transactions"] == 1
    services.change_approve(user=checker, change_id=change.pk)
    assert AlertThreshold.objects.get().model_version == model
    new = score_one("NEW", customer="B", **transfer_row(account="100200300401"))
    assert new.alert_threshold == pytest.approx(0.999)
    assert Score.objects.get(pk=old.pk).alert_threshold == pytest.approx(model.threshold)
    if new.score < 0.999:
        assert not Alert.objects.filter(transaction=new.transaction).exists()
    # A newly promoted model scores with its own threshold until one is approved for it.
    promoted = ModelVersion.objects.create(
        name="promoted", artifact=model.artifact, feature_names=model.feature_names, threshold=0.42
    )
    ModelVersion.objects.filter(is_active=True).update(is_active=False)
    ModelVersion.objects.filter(pk=promoted.pk).update(is_active=True)
    third = score_one("THIRD", customer="D", **transfer_row(account="100200300401"))
    assert third.alert_threshold == pytest.approx(0.42)


def test_the_budget_helper_picks_a_threshold_within_the_budget(seniors, client_for) -> None:
    from detection.selectors import threshold_for_budget

    active_model_install()
    for i in range(6):
        score_one(f"B{i}", customer=f"BC{i}", **transfer_row(account=f"9000000000{i}", amount=10_000 * 4**i))
    scores = sorted(Score.objects.values_list("score", flat=True), reverse=True)
    choice = threshold_for_budget(alerts_per_day=2, days=1)
    assert sum(1 for s in scores if s >= choice["threshold"]) == choice["alerts"] <= 2
    page = client_for(seniors[0]).get(reverse("detection:threshold"), {"alerts_per_day": 2, "days": 1})
    assert page.status_code == 200 and 'data-testid="suggestion"' in page.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_publish_once(make_user) -> None:
    from fdsportal import roles

    maker = make_user(roles.SENIOR_ANALYST, "maker")
    first = make_user(roles.SENIOR_ANALYST, "first")
    second = make_user(roles.ADMINISTRATOR, "second")
    change = _pending_publish(maker, rule_data("raced", "amount > 1.0"))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(user) -> None:
        try:
            barrier.wait()
            services.change_approve(user=user, change_id=change.pk)
            outcomes.append("applied")
        except services.DetectionError:
            outcomes.append("already decided")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already decided", "applied"]
    assert AuditEvent.objects.filter(action="detection.change.approved").count() == 1
    assert RuleSetVersion.objects.get(is_live=True).number == change.payload["version"]
