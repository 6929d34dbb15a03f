from __future__ import annotations

import json

from django.test import Client

from access.services import api_token_create
from smishing.models import Submission
from tests.smishing.conftest import SMISHING_TEXT

URL = "/api/smishing/submissions"


def _token_client(user) -> Client:
    _token, key = api_token_create(user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {key}"})


def test_api_submit_then_poll_returns_the_verdict_with_evidence(
    employee, fake_model, django_capture_on_commit_callbacks
):
    client = _token_client(employee)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL, json.dumps({"text": SMISHING_TEXT, "consent": True}), content_type="application/json"
        )
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["consent_version"] == "2026-11-v1"
    polled = client.get(body["poll_url"]).json()
    assert polled["status"] == "done" and polled["label"] == "smishing"
    span = polled["reasons"][0]["evidence"][0]
    stored = Submission.objects.get(pk=body["id"]).text
    assert stored[span["start"] : span["end"]] == span["text"] == "http://nhis-kr.xyz/check"
    assert {"kind": "url", "value": "http://nhis-kr.xyz/check"}.items() <= polled["indicators"][0].items()


def test_api_abusive_input_gets_the_fixed_reply(employee, monkeypatch):
    from smishing import tasks

    queued: list = []
    monkeypatch.setattr(tasks.submission_score, "delay", lambda *a: queued.append(a))
    response = _token_client(employee).post(
        URL, json.dumps({"text": "씨발 꺼져"}), content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["is_abusive"] and response.json()["reply_ko"]
    assert queued == []


def test_api_employee_cannot_read_anothers_submission(make_user, employee, fake_model, submit):
    theirs = submit(make_user("employee"), SMISHING_TEXT)
    assert _token_client(employee).get(f"{URL}/{theirs.pk}").status_code == 404


def test_api_analyst_can_read_any_submission(analyst, employee, fake_model, submit):
    theirs = submit(employee, SMISHING_TEXT)
    assert _token_client(analyst).get(f"{URL}/{theirs.pk}").json()["label"] == "smishing"


def test_api_needs_the_permission(make_user):
    response = _token_client(make_user(None)).post(
        URL, json.dumps({"text": "hi"}), content_type="application/json"
    )
    assert response.status_code == 403
    assert Client().post(URL, json.dumps({"text": "hi"}), content_type="application/json").status_code == 401


def test_api_rate_limit_answers_429_with_retry_after(employee, settings, monkeypatch):
    from smishing import tasks

    monkeypatch.setattr(tasks.submission_score, "delay", lambda *a: None)
    settings.FDS_SMISHING_RATE_PER_MINUTE = 3
    client = _token_client(employee)
    codes = [
        client.post(URL, json.dumps({"text": "안녕하세요"}), content_type="application/json").status_code
        for _ in range(4)
    ]
    assert codes == [202, 202, 202, 429]
    limited = client.post(URL, json.dumps({"text": "안녕하세요"}), content_type="application/json")
    assert 1 <= int(limited["Retry-After"]) <= 61
    assert Submission.objects.count() == 3


def test_api_bad_input_is_a_clear_400(employee):
    response = _token_client(employee).post(
        URL, json.dumps({"text": "x" * 5000}), content_type="application/json"
    )
    # Service clients read API messages in FDS_REASON_LANGUAGE, Korean by default.
    assert response.status_code == 400 and "2000자를 넘습니다" in response.json()["detail"]
    assert not Submission.objects.exists()


def test_api_is_in_the_openapi_docs(analyst, client_for):
    schema = client_for(analyst).get("/api/openapi.json").json()
    assert "/api/smishing/submissions" in schema["paths"]
    assert "/api/smishing/submissions/{submission_id}" in schema["paths"]


def test_api_tells_the_current_consent_text(employee):
    body = _token_client(employee).get("/api/smishing/consent").json()
    assert body["version"] == "2026-11-v1" and body["text_ko"] and body["text_en"]
