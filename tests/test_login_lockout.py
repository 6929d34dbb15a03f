"""Login lockout (django-axes): repeated wrong passwords lock that username from that address only."""

from __future__ import annotations

import pytest
from axes.utils import reset as axes_reset
from django.conf import settings
from django.test import Client
from django.urls import reverse

from fdsportal import roles

PASSWORD = "correct-horse-battery"
# The login page is in Korean (the default) for these browsers, which chose no language.
LOCKED_TEXT = "계정이 일시적으로 잠겼습니다"


@pytest.fixture
def victim(make_user):
    return make_user(roles.FRAUD_ANALYST, "victim", password=PASSWORD)


@pytest.fixture
def colleague(make_user):
    return make_user(roles.SENIOR_ANALYST, "colleague", password=PASSWORD)


def log_in(client: Client, username: str, password: str):
    # Through the real login form: axes watches authenticate() calls that carry the request.
    return client.post(reverse("login"), {"username": username, "password": password})


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def lock_out(client: Client, username: str) -> None:
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, username, "wrong password!")


def test_the_limit_is_five():
    assert settings.AXES_FAILURE_LIMIT == 5


def test_fewer_failures_than_the_limit_still_let_the_right_password_in(victim):
    client = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = log_in(client, "victim", "wrong password!")
        assert response.status_code == 200
        assert "사용자 이름 또는 비밀번호가 틀렸습니다." in response.content.decode()
    response = log_in(client, "victim", PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_five_wrong_passwords_lock_the_name_from_that_address_even_against_the_right_password(victim):
    attacker = Client(REMOTE_ADDR="10.9.9.9")
    lock_out(attacker, "victim")

    response = log_in(attacker, "victim", PASSWORD)

    assert response.status_code in (403, 429)
    assert LOCKED_TEXT in response.content.decode()
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert not is_logged_in(attacker)


def test_attack_nobody_can_lock_an_approver_out_from_elsewhere(colleague):
    attacker = Client(REMOTE_ADDR="10.9.9.9")
    for _round in range(3):  # again and again
        lock_out(attacker, "colleague")

    approver = Client(REMOTE_ADDR="10.1.2.3")  # at their own desk
    response = log_in(approver, "colleague", PASSWORD)

    assert response.status_code == 302
    assert is_logged_in(approver)


def test_behind_a_trusted_proxy_the_forwarded_address_counts(colleague, settings):
    settings.FDS_TRUSTED_PROXY_COUNT = 1
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9")
    lock_out(attacker, "colleague")
    # The same load balancer, another client behind it: not locked out.
    approver = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert log_in(approver, "colleague", PASSWORD).status_code == 302
    # A client cannot pick its address by writing X-Forwarded-For itself: only the last hop counts.
    spoofer = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3, 10.9.9.9")
    assert LOCKED_TEXT in log_in(spoofer, "colleague", PASSWORD).content.decode()


def test_the_lock_survives_further_attempts_and_does_not_leak_whether_the_password_was_right(victim):
    client = Client()
    lock_out(client, "victim")
    right = log_in(client, "victim", PASSWORD)
    wrong = log_in(client, "victim", "still wrong")
    assert right.status_code == wrong.status_code
    assert LOCKED_TEXT in right.content.decode() and LOCKED_TEXT in wrong.content.decode()
    assert not is_logged_in(client)


def test_other_users_are_unaffected(victim, colleague):
    client = Client()  # the same browser and address as the failed attempts: a shared office IP
    lock_out(client, "victim")

    response = log_in(client, "colleague", PASSWORD)

    assert response.status_code == 302
    assert is_logged_in(client)
    assert client.get(reverse("cases:ops")).status_code == 200


def test_an_administrator_can_unlock_the_account(victim):
    client = Client()
    lock_out(client, "victim")
    assert not is_logged_in(client) and LOCKED_TEXT in log_in(client, "victim", PASSWORD).content.decode()

    axes_reset(username="victim")  # what `manage.py axes_reset_username victim` does

    response = log_in(client, "victim", PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_an_administrator_unlocks_from_the_lockouts_page_and_it_is_audited(victim, make_user):
    from axes.models import AccessAttempt

    from audit.models import AuditEvent

    locked = Client(REMOTE_ADDR="10.1.2.3")
    lock_out(locked, "victim")
    administrator = Client()
    administrator.force_login(make_user(roles.ADMINISTRATOR, "admin1"))
    page = administrator.get(reverse("lockouts"))
    assert page.status_code == 200 and "10.1.2.3" in page.content.decode()
    attempt = AccessAttempt.objects.get(username="victim")

    refused = administrator.post(reverse("lockout_release", args=[attempt.pk]), {"reason": ""})
    assert refused.status_code == 302 and AccessAttempt.objects.filter(pk=attempt.pk).exists()
    administrator.post(reverse("lockout_release", args=[attempt.pk]), {"reason": "owner verified by phone"})

    assert log_in(locked, "victim", PASSWORD).status_code == 302
    event = AuditEvent.objects.get(action="auth.lockout.released")
    assert event.actor_label == "admin1" and event.reason == "owner verified by phone"
    assert event.before["username"] == "victim" and event.before["ip_address"] == "10.1.2.3"


def test_only_administrators_may_lift_lockouts(victim, senior, client_for):
    assert client_for(senior).get(reverse("lockouts")).status_code == 403


def test_unknown_usernames_are_throttled_too(db):
    client = Client()
    lock_out(client, "nobody")
    assert LOCKED_TEXT in log_in(client, "nobody", "anything at all").content.decode()
