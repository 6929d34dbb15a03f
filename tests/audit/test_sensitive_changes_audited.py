"""Changes an insider would want to hide, each made the way they would make it, must leave an audit
event naming who did it: role grants (admin or shell), API tokens, the payout rail's mode and
copies of evidence taken away."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile

from access.models import ApiToken
from access.services import api_token_authenticate, api_token_create, api_token_revoke
from audit.models import AuditEvent
from audit.receivers import audit_actor
from audit.services import audit_chain_verify
from cases import evidence as case_evidence
from cases import triage
from cases.gateway import simulated_gateway_mode_set
from cases.models import Case, SimulatedGatewaySetting
from fdsportal import roles
from tests.factories import alert_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("root-admin", "root@example.com", "correct-horse-battery")


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_granting_the_approver_role_in_the_admin_is_audited(superuser, make_user, client_for):
    target = make_user(roles.FRAUD_ANALYST, "quiet-analyst")
    approver = Group.objects.get(name=roles.SENIOR_ANALYST)
    analyst_group = Group.objects.get(name=roles.FRAUD_ANALYST)
    form = {
        "username": target.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "groups": [str(analyst_group.pk), str(approver.pk)],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": target.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": target.date_joined.strftime("%H:%M:%S"),
    }
    response = client_for(superuser).post(f"/admin/auth/user/{target.pk}/change/", form)
    assert response.status_code == 302, response.content[:500]
    assert target.groups.filter(name=roles.SENIOR_ANALYST).exists()
    granted = events("auth.user.role_granted")[-1]
    assert granted.actor == superuser and granted.target_id == str(target.pk)
    assert granted.after == {"username": "quiet-analyst", "groups": [roles.SENIOR_ANALYST]}


def test_role_changes_outside_the_admin_are_audited_too(make_user, superuser):
    user = make_user(None, "shell-user")
    approver = Group.objects.get_or_create(name=roles.SENIOR_ANALYST)[0]
    approver.user_set.add(user)  # from the group's side, as a shell session might
    with audit_actor(superuser):
        user.groups.remove(approver)
    user.is_superuser = True
    user.save()
    granted, revoked = events("auth.user.role_granted")[-1], events("auth.user.role_revoked")[-1]
    assert granted.actor_label == "system:unattributed" and granted.after["groups"] == [roles.SENIOR_ANALYST]
    assert revoked.actor == superuser and revoked.target_id == str(user.pk)
    flags = events("auth.user.flags_changed")[-1]
    assert flags.before == {"is_superuser": False} and flags.after["is_superuser"] is True
    user.save(update_fields=["last_login"])  # every login saves the user: no noise
    assert len(events("auth.user.flags_changed")) == 2  # the superuser fixture, and this one
    assert audit_chain_verify()[1] == []


def test_api_tokens_issued_and_revoked_in_the_admin_are_audited(superuser, make_user, client_for):
    service = make_user(roles.INGEST_SERVICE, "core-banking")
    token, key = api_token_create(user=service, name="feed", actor=superuser)
    issued = events("api.token.issued")[-1]
    assert (
        issued.actor == superuser and issued.after["prefix"] == token.prefix and key not in str(issued.after)
    )
    response = client_for(superuser).post(
        "/admin/access/apitoken/", {"action": "revoke", "_selected_action": [str(token.pk)]}
    )
    assert response.status_code == 302
    assert api_token_authenticate(key) is None
    revoked = events("api.token.revoked")
    assert len(revoked) == 1 and revoked[0].actor == superuser
    assert api_token_revoke(token_id=token.pk, actor=superuser) is False  # once is enough
    assert len(events("api.token.revoked")) == 1
    # Revocation cannot be edited in or out of the form behind the audit's back.
    assert client_for(superuser).get("/admin/access/apitoken/add/").status_code == 403
    ApiToken.objects.get(pk=token.pk)


def test_switching_the_payout_gateway_mode_is_audited(superuser, client_for):
    simulated_gateway_mode_set(mode="normal")
    response = client_for(superuser).post(
        "/admin/cases/simulatedgatewaysetting/1/change/", {"mode": "failure", "slow_seconds": "2.0"}
    )
    assert response.status_code == 302
    assert SimulatedGatewaySetting.objects.get().mode == "failure"
    changed = events("cases.gateway.mode_changed")[-1]
    assert changed.actor == superuser
    assert changed.before["mode"] == "normal" and changed.after["mode"] == "failure"
    simulated_gateway_mode_set(mode="failure")  # no change, no event
    assert len(events("cases.gateway.mode_changed")) == 1


def test_every_evidence_download_is_audited(analyst, compliance, client_for, monkeypatch, tmp_path, settings):
    import alerts.push

    monkeypatch.setattr(alerts.push, "alert_rows_push", lambda *, alert_ids: None)
    settings.MEDIA_ROOT = str(tmp_path)
    alert = alert_make()
    triage.alert_escalate(alert_id=alert.pk, actor=analyst)
    case = Case.objects.get(customer=alert.customer)
    evidence = case_evidence.case_evidence_add(
        case_id=case.pk, actor=analyst, upload=SimpleUploadedFile("memo.txt", "통화 메모".encode())
    )
    url = f"/cases/evidence/{evidence.pk}/download/"
    for _ in range(2):
        response = client_for(compliance).get(url)
        assert response.status_code == 200
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
    downloads = events("cases.evidence.downloaded")
    assert [d.actor for d in downloads] == [compliance, compliance]
    assert downloads[0].after == {"case": case.pk, "name": "memo.txt", "sha256": evidence.sha256}
