from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.models import Alert
from audit.models import AuditEvent
from cases import triage
from cases.models import Case
from fdsportal import roles
from tests.factories import alert_make

pytestmark = pytest.mark.django_db


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


def test_claim_is_recorded_and_pushed_to_every_queue(analyst, broadcasts, django_capture_on_commit_callbacks):
    alert = alert_make()
    with django_capture_on_commit_callbacks(execute=True):
        triage.alert_claim(alert_id=alert.pk, actor=analyst)
    alert.refresh_from_db()
    assert (alert.status, alert.assigned_to) == (Alert.Status.CLAIMED, analyst)
    [event] = events("alerts.alert.claimed")
    assert (
        event.actor == analyst and event.before["status"] == "new" and event.after["assigned_to"] == "analyst"
    )
    assert event.model_version == "fds-test-v1" and event.score == pytest.approx(0.93)
    assert broadcasts == [[alert.pk]]


def test_second_claim_loses_and_is_told_who_won(analyst, make_user, broadcasts):
    other = make_user(roles.FRAUD_ANALYST, "kim")
    alert = alert_make()
    triage.alert_claim(alert_id=alert.pk, actor=analyst)
    with pytest.raises(triage.TriageRefused, match="by analyst"):
        triage.alert_claim(alert_id=alert.pk, actor=other)
    alert.refresh_from_db()
    assert alert.assigned_to == analyst
    assert len(events("alerts.alert.claimed")) == 1


def test_dismiss_needs_a_reason_and_the_holder(analyst, make_user, broadcasts):
    other = make_user(roles.FRAUD_ANALYST, "kim")
    alert = alert_make()
    with pytest.raises(triage.TriageRefused):
        triage.alert_dismiss(alert_id=alert.pk, actor=analyst, reason_code="")
    with pytest.raises(triage.TriageRefused, match="explain|Explain"):
        triage.alert_dismiss(alert_id=alert.pk, actor=analyst, reason_code="other", reason_text=" ")
    triage.alert_claim(alert_id=alert.pk, actor=other)
    with pytest.raises(triage.TriageRefused, match="by kim"):
        triage.alert_dismiss(alert_id=alert.pk, actor=analyst, reason_code="customer_confirmed")
    alert.refresh_from_db()
    assert alert.status == Alert.Status.CLAIMED and alert.decided_by is None
    assert not events("alerts.alert.dismissed")


def test_dismissal_takes_attached_alerts_along(analyst, broadcasts, django_capture_on_commit_callbacks):
    parent = alert_make()
    child = alert_make(customer=parent.customer, status=Alert.Status.ATTACHED, parent=parent)
    with django_capture_on_commit_callbacks(execute=True):
        triage.alert_dismiss(
            alert_id=parent.pk, actor=analyst, reason_code="customer_confirmed", reason_text="통화 확인"
        )
    parent.refresh_from_db()
    child.refresh_from_db()
    assert parent.status == child.status == Alert.Status.DISMISSED
    assert "customer_confirmed" in parent.decision_reason and "통화 확인" in parent.decision_reason
    assert parent.decided_by == analyst and parent.decided_at is not None
    assert {e.target_id for e in events("alerts.alert.dismissed")} == {str(parent.pk), str(child.pk)}
    assert sorted(broadcasts[0]) == sorted([parent.pk, child.pk])


def test_snooze_until_a_future_time_then_back_to_new(analyst, broadcasts):
    alert = alert_make()
    with pytest.raises(triage.TriageRefused):
        triage.alert_snooze(alert_id=alert.pk, actor=analyst, until=timezone.now() - timedelta(minutes=1))
    with pytest.raises(triage.TriageRefused):
        triage.alert_snooze(alert_id=alert.pk, actor=analyst, until=timezone.now() + timedelta(days=8))
    until = timezone.now() + timedelta(hours=4)
    triage.alert_snooze(alert_id=alert.pk, actor=analyst, until=until)
    alert.refresh_from_db()
    assert alert.status == Alert.Status.SNOOZED and alert.snoozed_until == until
    assert triage.alerts_snooze_expire(now=until - timedelta(minutes=1)) == []
    assert triage.alerts_snooze_expire(now=until + timedelta(seconds=1)) == [alert.pk]
    alert.refresh_from_db()
    assert alert.status == Alert.Status.NEW and alert.snoozed_until is None
    assert events("alerts.alert.unsnoozed")[0].actor_label == "system:snooze"


def test_escalation_opens_a_case_and_brings_attached_alerts(analyst, broadcasts):
    parent = alert_make(amount=300_000)
    child = alert_make(customer=parent.customer, amount=200_000, status=Alert.Status.ATTACHED, parent=parent)
    triage.alert_claim(alert_id=parent.pk, actor=analyst)
    escalated = triage.alert_escalate(alert_id=parent.pk, actor=analyst, reason="고액 연속 결제")
    case = Case.objects.get()
    child.refresh_from_db()
    assert escalated.status == Alert.Status.ESCALATED and escalated.case == case
    assert child.status == Alert.Status.ESCALATED and child.case == case
    assert case.customer == parent.customer and case.status == Case.Status.OPEN
    assert case.sla_due_at > case.reported_at
    assert events("cases.case.opened")[0].target_id == str(case.pk)
    # Another alert of the same customer joins the case that is still open instead of opening a new one.
    later = alert_make(customer=parent.customer)
    triage.alert_escalate(alert_id=later.pk, actor=analyst)
    assert Case.objects.count() == 1
    assert set(case.alerts.values_list("pk", flat=True)) == {parent.pk, child.pk, later.pk}


def test_a_decided_alert_cannot_be_decided_again(analyst, broadcasts):
    alert = alert_make()
    triage.alert_escalate(alert_id=alert.pk, actor=analyst)
    with pytest.raises(triage.TriageRefused, match="Escalated|사건 전환"):
        triage.alert_dismiss(alert_id=alert.pk, actor=analyst, reason_code="duplicate")
    with pytest.raises(triage.TriageRefused):
        triage.alert_claim(alert_id=alert.pk, actor=analyst)
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.ESCALATED


def test_bulk_reports_what_it_could_not_do(analyst, make_user, broadcasts):
    other = make_user(roles.FRAUD_ANALYST, "kim")
    a, b, c = alert_make(), alert_make(), alert_make()
    triage.alert_claim(alert_id=b.pk, actor=other)
    result = triage.alerts_bulk(action="claim", alert_ids=[a.pk, b.pk, c.pk, 999_999], actor=analyst)
    assert sorted(result.done) == sorted([a.pk, c.pk])
    assert set(result.refused) == {b.pk, 999_999}
    assert Alert.objects.get(pk=b.pk).assigned_to == other
    result = triage.alerts_bulk(
        action="dismiss", alert_ids=[a.pk, c.pk], actor=analyst, reason_code="duplicate"
    )
    assert sorted(result.done) == sorted([a.pk, c.pk])


def test_bulk_escalation_opens_one_case_per_customer(analyst, broadcasts):
    a1 = alert_make()
    a2 = alert_make(customer=a1.customer)
    b1 = alert_make()
    result = triage.alerts_bulk(action="escalate", alert_ids=[a1.pk, b1.pk, a2.pk], actor=analyst)
    assert len(result.done) == 3 and len(result.case_ids) == 2
    assert Case.objects.get(customer=a1.customer).alerts.count() == 2


def test_assign_hands_the_alert_to_an_analyst(analyst, make_user, broadcasts):
    other = make_user(roles.FRAUD_ANALYST, "kim")
    alert = alert_make()
    triage.alert_assign(alert_id=alert.pk, actor=analyst, assignee_username="kim")
    assert Alert.objects.get(pk=alert.pk).assigned_to == other
    with pytest.raises(triage.TriageRefused):
        triage.alert_assign(alert_id=alert.pk, actor=analyst, assignee_username="employee-nobody")


def test_compliance_and_employees_cannot_triage(compliance, employee, broadcasts):
    alert = alert_make()
    for user in (compliance, employee):
        with pytest.raises(triage.TriageRefused):
            triage.alert_claim(alert_id=alert.pk, actor=user)
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.NEW


# --- views ---------------------------------------------------------------------------------------


def test_triage_endpoint_answers_json_for_the_keyboard(analyst, make_user, client_for, broadcasts):
    alert = alert_make()
    client = client_for(analyst)
    response = client.post(
        f"/cases/triage/{alert.pk}/", {"action": "claim"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200 and response.json()["status"] == "claimed"
    other = client_for(make_user(roles.FRAUD_ANALYST, "kim"))
    response = other.post(
        f"/cases/triage/{alert.pk}/", {"action": "claim"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 409 and "analyst" in response.json()["message"]
    response = client.post(
        f"/cases/triage/{alert.pk}/", {"action": "escalate"}, headers={"Accept": "application/json"}
    )
    assert response.json()["case_url"] == f"/cases/{Alert.objects.get(pk=alert.pk).case_id}/"


def test_triage_endpoint_form_post_redirects_back(analyst, client_for, broadcasts):
    alert = alert_make()
    response = client_for(analyst).post(
        f"/cases/triage/{alert.pk}/",
        {"action": "dismiss", "reason_code": "known_pattern", "next": "/alerts/?page=2"},
    )
    assert response.status_code == 302 and response["Location"] == "/alerts/?page=2"
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.DISMISSED
    # An off-site `next` is ignored.
    other = alert_make()
    response = client_for(analyst).post(
        f"/cases/triage/{other.pk}/", {"action": "claim", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and "evil" not in response["Location"]


def test_triage_endpoint_bad_input_changes_nothing(analyst, client_for, broadcasts):
    alert = alert_make()
    client = client_for(analyst)
    assert client.post(f"/cases/triage/{alert.pk}/", {"action": "explode"}).status_code == 302
    assert (
        client.post(
            f"/cases/triage/{alert.pk}/", {"action": "dismiss"}, headers={"Accept": "application/json"}
        ).status_code
        == 400
    )
    assert client.post("/cases/triage/999999/", {"action": "claim"}).status_code == 404
    assert client.get(f"/cases/triage/{alert.pk}/").status_code == 405
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.NEW


@pytest.mark.parametrize("role", [roles.COMPLIANCE_REVIEWER, roles.EMPLOYEE])
def test_triage_endpoints_forbidden_without_the_role(role, make_user, client_for):
    alert = alert_make()
    client = client_for(make_user(role))
    assert client.post(f"/cases/triage/{alert.pk}/", {"action": "claim"}).status_code == 403
    assert client.post("/cases/triage/bulk/", {"action": "claim", "alert_ids": [alert.pk]}).status_code == 403
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.NEW


def test_bulk_endpoint(analyst, client_for, broadcasts):
    a, b = alert_make(), alert_make()
    client = client_for(analyst)
    response = client.post(
        "/cases/triage/bulk/", {"action": "snooze", "snooze_hours": "4", "alert_ids": [a.pk, b.pk]}
    )
    assert response.status_code == 302
    assert set(Alert.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {"snoozed"}
    response = client.post(
        "/cases/triage/bulk/", {"action": "claim", "alert_ids": ["x"]}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
