"""In Chromium against the real ASGI server and Celery worker: a senior starts retraining and follows
it, the comparison shows both models, a second senior promotes, and new alerts name the new version."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from access.services import api_token_create
from alerts import lifecycle
from alerts.features import KST
from alerts.models import Alert, ModelVersion, Retraining
from alerts.simulator import Simulator
from fdsportal import roles
from tests.factories import labelled_history_ingest

pytestmark = pytest.mark.browser


def test_a_senior_retrains_a_second_senior_promotes_and_new_alerts_name_the_new_version(
    live_server_url, login, make_user, page
):
    starter = make_user(roles.SENIOR_ANALYST, "senior")
    make_user(roles.SENIOR_ANALYST, "senior_b")
    service = make_user(roles.INGEST_SERVICE, "core-banking")
    _token, key = api_token_create(user=service, name="core banking")
    simulator = Simulator(3, customers=100, merchants=40, as_of=datetime(2026, 1, 1).date())
    labelled_history_ingest(simulator=simulator, days=28)
    # The installation's first model, bootstrapped; the run below challenges it.
    first = lifecycle.retraining_start(actor=starter)
    lifecycle.retraining_run(retraining_id=first.pk)
    first_challenger = Retraining.objects.get(pk=first.pk).challenger
    assert first_challenger is not None
    champion = lifecycle.model_bootstrap(version=first_challenger, system_actor="tests", reason="first model")

    login(page, "senior")
    page.goto(f"{live_server_url}/alerts/models/")
    assert page.get_by_test_id("live-model").inner_text().count(champion.name) >= 1
    polls: list[str] = []
    page.on("request", lambda request: polls.append(request.url) if "/status/" in request.url else None)
    page.get_by_test_id("retrain-start").click()
    page.wait_for_url(re.compile(r"/alerts/models/retrain/\d+/$"))
    # The page follows the worker's progress until the run is done.
    status = page.get_by_test_id("retraining-status")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=retraining-status]').textContent.trim() === 'Succeeded'",
        timeout=120_000,
    )
    assert page.get_by_test_id("retraining-percent").inner_text() == "100"
    assert status.inner_text() == "Succeeded"
    # The worker pushed the progress over the run's socket: the page never had to poll for it.
    assert page.locator("#retraining-live").get_attribute("data-transport") == "socket"
    assert polls == []
    page.locator("#retraining-reload a").click()
    page.wait_for_load_state("networkidle")
    run = Retraining.objects.exclude(pk=first.pk).get()
    challenger = run.challenger
    assert challenger is not None and challenger.is_shadow
    assert champion.name in page.get_by_test_id("champion-name").inner_text()
    assert challenger.name in page.get_by_test_id("challenger-name").inner_text()
    assert page.get_by_test_id("chart-distributions").locator(".chart .main-svg").count() >= 1
    assert page.get_by_test_id("chart-budget").locator(".chart .main-svg").count() >= 1
    # The senior who started it cannot promote it.
    assert page.get_by_test_id("promote").count() == 0
    assert page.get_by_test_id("starter-note").is_visible()

    page.context.clear_cookies()
    login(page, "senior_b")
    page.goto(f"{live_server_url}/alerts/models/retrain/{run.pk}/")
    page.fill("input[name=reason]", "better on the same week")
    page.get_by_test_id("promote").click()
    page.wait_for_url(re.compile(r"/alerts/models/$"))
    assert ModelVersion.objects.get(is_active=True) == challenger
    assert challenger.name in page.get_by_test_id("live-model").inner_text()

    # Live traffic after the promotion: the simulator's frauds, posted like core banking would.
    rows = []
    for row, pattern in simulator.stream(timezone.now().astimezone(KST) + timedelta(minutes=1), rate=50):
        if pattern is not None:
            row["occurred_at"] = row["occurred_at"].isoformat()
            if row.get("customer") and row["customer"].get("birth_date"):
                row["customer"]["birth_date"] = row["customer"]["birth_date"].isoformat()
            rows.append(row)
        if len(rows) == 40:
            break
    request = urllib.request.Request(
        f"{live_server_url}/api/transactions/batch",
        data=json.dumps({"transactions": rows}).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the test server
        assert response.status == 201
    external = [r["external_id"] for r in rows]
    deadline = time.monotonic() + 60
    while not Alert.objects.filter(transaction__external_id__in=external).exists():
        assert time.monotonic() < deadline, "no alert for 40 simulated frauds"
        time.sleep(0.5)
    time.sleep(1)
    alerts = Alert.objects.filter(transaction__external_id__in=external).select_related(
        "score__model_version"
    )
    assert {a.score.model_version.name for a in alerts} == {challenger.name}
    page.goto(f"{live_server_url}/alerts/{alerts[0].pk}/")
    assert page.get_by_test_id("model-version").inner_text() == challenger.name


def test_the_run_page_keeps_following_by_polling_when_its_socket_drops(
    live_server_url, login, make_user, page
):
    senior = make_user(roles.SENIOR_ANALYST, "senior")
    job = Retraining.objects.create(
        started_by=senior,
        started_by_name="senior",
        status=Retraining.Status.RUNNING,
        progress=0.3,
        message="computing features",
    )
    # Every socket to the run is dropped as soon as it opens (a proxy cutting websockets).
    page.route_web_socket(re.compile(r"/ws/alerts/models/retrain/"), lambda ws: ws.close())
    login(page, "senior")
    page.goto(f"{live_server_url}/alerts/models/retrain/{job.pk}/")
    Retraining.objects.filter(pk=job.pk).update(progress=0.8, message="judging both models")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=retraining-percent]').textContent.trim() === '80'",
        timeout=30_000,
    )
    assert page.get_by_test_id("retraining-message").inner_text() == "judging both models"
    assert page.locator("#retraining-live").get_attribute("data-transport") == "polling"
    Retraining.objects.filter(pk=job.pk).update(status=Retraining.Status.SUCCEEDED, progress=1.0)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=retraining-status]').textContent.trim() === 'Succeeded'",
        timeout=30_000,
    )
    assert page.locator("#retraining-reload").is_visible()
