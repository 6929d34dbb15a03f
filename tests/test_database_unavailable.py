"""A database outage answers 503 with Retry-After, wherever the request meets it; other errors stay
500. (tests/faults/test_postgres_restart.py does this against a real PostgreSQL being stopped.)"""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db

DOWN = OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


def test_the_api_answers_503_json_when_the_database_is_unreachable(service_token: str) -> None:
    client = Client(headers={"Authorization": f"Bearer {service_token}"}, raise_request_exception=False)
    with mock.patch("access.api_auth.api_token_authenticate", side_effect=DOWN):
        response = client.post(
            "/api/transactions/batch", {"transactions": []}, content_type="application/json"
        )
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    # In FDS_REASON_LANGUAGE (Korean by default): "the service is briefly unavailable, nothing is lost".
    assert "사용할 수 없습니다" in response.json()["detail"]


def test_a_page_answers_a_503_page_when_the_connection_is_gone(analyst, client_for) -> None:
    client = client_for(analyst)
    client.raise_request_exception = False
    with mock.patch("alerts.views.alert_queue", side_effect=InterfaceError("connection already closed")):
        response = client.get("/alerts/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert b'data-testid="unavailable"' in response.content


def test_an_outage_met_inside_middleware_is_a_503_too(analyst, client_for) -> None:
    client = client_for(analyst)
    client.raise_request_exception = False
    # The session is loaded by middleware, before any view runs.
    with mock.patch("django.contrib.sessions.backends.db.SessionStore.load", side_effect=DOWN):
        response = client.get("/alerts/")
    assert response.status_code == 503


def test_other_errors_are_still_500(analyst, client_for) -> None:
    client = client_for(analyst)
    client.raise_request_exception = False
    with mock.patch("alerts.views.alert_queue", side_effect=ValueError("a bug")):
        response = client.get("/alerts/")
    assert response.status_code == 500
