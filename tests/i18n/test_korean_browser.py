"""In a real Chromium: an analyst sees the Korean interface, switches to English with the keyboard,
and the choice is remembered across logging out and in again."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_korean_first_then_english_remembered(page, live_server_url, login, analyst):
    page.context.set_extra_http_headers({"Accept-Language": "en-US,en;q=0.9"})  # an English browser
    login(page, "analyst", language=None)
    page.goto(live_server_url + "/alerts/")
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.locator("h1").first.inner_text().startswith("알림 대기열")
    nav = page.get_by_role("navigation", name="주 메뉴")
    assert nav.get_by_role("link", name="알림").is_visible()
    assert nav.get_by_role("link", name="사건").is_visible()
    assert page.get_by_role("button", name="로그아웃").is_visible()
    assert page.get_by_role("button", name="필터 적용").is_visible()

    # The switch is a labelled select and a button, used here with the keyboard only.
    select = page.get_by_label("언어")
    select.focus()
    page.keyboard.press("ArrowDown")  # 한국어 → English
    assert select.input_value() == "en"
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/alerts/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").first.inner_text().startswith("Alert queue")
    assert page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Cases").is_visible()
    assert page.get_by_role("button", name="Filter").is_visible()

    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()  # another browser: only the saved choice can bring English back
    login(page, "analyst", language=None)
    assert "Log in" not in page.content()
    page.goto(live_server_url + "/alerts/")
    assert page.locator("h1").first.inner_text().startswith("Alert queue")
    assert page.get_by_role("button", name="Log out").is_visible()
