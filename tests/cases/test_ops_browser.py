"""The operations dashboard in a real browser: the charts draw under the Content Security Policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fdsportal import roles

pytestmark = pytest.mark.browser


def test_compliance_reviewer_sees_the_charts_drawn(live_server_url, page, login, make_user):
    from tests.cases.test_ops import make_alert, make_case

    make_user(roles.COMPLIANCE_REVIEWER, "reviewer", password="correct-horse-battery")
    now = timezone.now()
    for hours in (1, 2, 5):
        make_alert(
            created_at=now - timedelta(hours=hours), status="dismissed", decided_at=now, is_fraud=False
        )
    make_case(opened_at=now - timedelta(days=4), status="investigating", sla_due_at=now - timedelta(days=1))
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(f"{message.text} ({message.location.get('url')})")
            if message.type == "error" and not str(message.location.get("url", "")).endswith("favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))

    login(page, "reviewer")
    page.goto(f"{live_server_url}/cases/ops/")
    page.wait_for_selector("[data-figure][data-drawn=true]")

    drawn = page.eval_on_selector_all("[data-figure]", "els => els.map(e => e.dataset.drawn === 'true')")
    assert drawn and all(drawn)
    assert page.locator("[data-testid=ops-alerts-per-hour] svg.main-svg").count() >= 1
    assert page.locator("[data-testid=kpi-sla-overdue]").inner_text().startswith("1")
    assert problems == []  # a CSP refusal or a script error shows up here
