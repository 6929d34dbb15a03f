"""Each person's interface language: Korean by default, a switch in the top bar that is a CSRF-checked
POST, saved on the user and applied at every request and at login; Korean formats for money and time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import Client
from django.utils import formats, translation

from access.models import UserPreference
from alerts.templatetags.fds import reason_text, reason_text_other, won

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME


def _heading(client: Client) -> str:
    return client.get("/alerts/").content.decode()


def test_korean_by_default_even_for_an_english_browser(client_for, analyst) -> None:
    client = client_for(analyst, language=None)
    page = client.get("/alerts/", headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()
    assert "<h1>알림 대기열" in page and "Alert queue" not in page
    assert '<html lang="ko">' in page
    assert "로그아웃" in page and ">사건</a>" in page  # the top navigation


def test_switching_to_english_is_saved_on_the_user(client_for, analyst) -> None:
    client = client_for(analyst, language=None)
    response = client.post("/language/", {"language": "en", "next": "/alerts/?status=new"})
    assert response.status_code == 302 and response["Location"] == "/alerts/?status=new"
    assert response.cookies[COOKIE].value == "en" and response.cookies[COOKIE]["httponly"]
    assert UserPreference.objects.get(user=analyst).language == "en"
    page = _heading(client)
    assert "<h1>Alert queue" in page and "알림 대기열" not in page and '<html lang="en">' in page


def test_the_saved_language_is_applied_at_the_next_login_whatever_the_cookie(analyst) -> None:
    UserPreference.objects.create(user=analyst, language="en")
    client = Client()
    client.cookies[COOKIE] = "ko"
    assert "로그인" in client.get("/login/").content.decode()  # before login: the cookie
    response = client.post("/login/", {"username": "analyst", "password": "correct-horse-battery"})
    assert response.status_code == 302
    page = client.get("/alerts/")
    assert "<h1>Alert queue" in page.content.decode()
    # The cookie now follows the person, so the login page after logging out is in English too.
    assert client.cookies[COOKIE].value == "en"
    client.post("/logout/")
    assert "Log in" in client.get("/login/").content.decode()


def test_a_language_picked_on_the_login_page_is_kept_at_login(analyst) -> None:
    client = Client()
    response = client.post("/language/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert "Log in" in client.get("/login/").content.decode()
    client.post("/login/", {"username": "analyst", "password": "correct-horse-battery"})
    assert UserPreference.objects.get(user=analyst).language == "en"
    assert "<h1>Alert queue" in _heading(client)


def test_an_unknown_language_is_refused_and_changes_nothing(client_for, analyst) -> None:
    UserPreference.objects.create(user=analyst, language="en")
    client = client_for(analyst, language=None)
    client.cookies[COOKIE] = "en"
    for bad in ("xx", "", "en-US", "ko; DROP TABLE", "e" * 300):
        response = client.post("/language/", {"language": bad})
        assert response.status_code == 400, bad
        assert "Unknown language" in response.content.decode()  # in the person's current language
        assert COOKIE not in response.cookies
    assert UserPreference.objects.get(user=analyst).language == "en"
    assert "<h1>Alert queue" in _heading(client)


def test_the_switch_is_post_only_and_needs_csrf(analyst) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    assert client.get("/language/?language=en").status_code == 405
    assert client.post("/language/", {"language": "en"}).status_code == 403
    assert not UserPreference.objects.filter(user=analyst).exists()
    page = client.get("/alerts/").content.decode()
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    assert 'id="language-select"' in page and '<label for="language-select">언어</label>' in page
    response = client.post("/language/", {"language": "en", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert UserPreference.objects.get(user=analyst).language == "en"


def test_the_switch_never_redirects_off_site(client_for, analyst) -> None:
    response = client_for(analyst, language=None).post(
        "/language/", {"language": "en", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (7000, "7,000원"),
        (0, "0원"),
        (1_234_567, "1,234,567원"),
        (-1500, "-1,500원"),
        (7000.6, "7,001원"),
        ("12000", "12,000원"),
        (None, "–"),
        ("n/a", "n/a"),
    ],
)
def test_won(value, shown) -> None:
    assert won(value) == shown
    with translation.override("en"):
        assert won(value) == shown  # Korean banking style in either language


@pytest.mark.parametrize("language", ["ko", "en"])
def test_dates_and_numbers_in_seoul_time_and_one_format(language) -> None:
    instant = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)  # 07:00 on 1 December in Seoul
    template = Template(
        '{% load humanize fds %}{{ t|date:"DATETIME_FORMAT" }}|{{ t|date:"SHORT_DATE_FORMAT" }}|'
        "{{ t|kst }}|{{ n|intcomma }}|{{ amount|won }}"
    )
    with translation.override(language):
        shown = template.render(Context({"t": instant, "n": 1234567, "amount": 7000}))
        assert formats.get_format("THOUSAND_SEPARATOR") == ","
    assert shown == "2026-12-01 07:00|2026-12-01|2026-12-01 07:00|1,234,567|7,000원"


def test_reasons_follow_the_viewers_language() -> None:
    reason = {"code": "school_hours", "text_ko": "등교 시간입니다", "text_en": "During school hours"}
    with translation.override("ko"):
        assert (reason_text(reason), reason_text_other(reason)) == ("등교 시간입니다", "During school hours")
    with translation.override("en"):
        assert (reason_text(reason), reason_text_other(reason)) == ("During school hours", "등교 시간입니다")
    assert reason_text({"code": "x", "text_ko": "", "text_en": "only English"}) == "only English"


def test_choice_labels_follow_the_language() -> None:
    from alerts.models import Alert
    from cases.models import Case

    with translation.override("ko"):
        assert (str(Alert.Status.DISMISSED.label), str(Case.Status.OPEN.label)) == ("정상 처리(오탐)", "접수")
    with translation.override("en"):
        assert (str(Alert.Status.DISMISSED.label), str(Case.Status.OPEN.label)) == (
            "Dismissed (false positive)",
            "Open",
        )


def test_service_clients_get_api_messages_in_the_reason_language(settings, api_client) -> None:
    settings.FDS_REASON_LANGUAGE = "en"
    response = api_client.get("/api/alerts/999999999")
    assert response.status_code in (403, 404) and response["Content-Language"] == "en"
    settings.FDS_REASON_LANGUAGE = "ko"
    assert api_client.get("/api/alerts/999999999")["Content-Language"] == "ko"
