"""The alert queue's search (one subquery per kind of match) and its bounded count."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from alerts.models import Alert
from tests.conftest import english_client
from tests.customers.builders import history_make, merchant_get, transaction_make

pytestmark = pytest.mark.django_db


def _queue(client: Client, **query: str) -> str:
    response = client.get(reverse("alerts:queue"), query)
    assert response.status_code == 200
    return response.content.decode()


def _alert_ids(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-alert-id="(\d+)"', html)}


def test_search_finds_by_transaction_customer_merchant_and_name(analyst) -> None:
    first = history_make(external_id="C-Q1", name="박*민", days=2, deposit_number="110-444-444444")
    second = history_make(external_id="C-Q2", name="최*라", days=2, deposit_number="110-555-555555")
    shop = merchant_get("M-RARE", "심야 전자상가", "electronics")
    odd = transaction_make(
        second.customer, amount=500_000, when=second.transactions[0].occurred_at, merchant=shop, score=0.9,
        alert_status=Alert.Status.NEW,
    )  # fmt: skip
    client = english_client()  # the portal ignores Accept-Language: English is chosen by cookie
    client.force_login(analyst)
    a1, a2, a3 = first.alerts[0].pk, second.alerts[0].pk, odd.alert.pk

    assert _alert_ids(_queue(client)) == {a1, a2, a3}
    assert _alert_ids(_queue(client, q="C-Q1-NIGHT")) == {a1}  # transaction id, exact
    assert _alert_ids(_queue(client, q="C-Q2")) == {a2, a3}  # customer id, exact
    assert _alert_ids(_queue(client, q="전자상")) == {a3}  # part of the merchant's name
    assert _alert_ids(_queue(client, q="박*")) == {a1}  # part of the customer's name
    assert _alert_ids(_queue(client, q="C-Q")) == set()  # ids never match by part


def test_the_count_stops_at_the_limit_and_says_so(analyst, monkeypatch: pytest.MonkeyPatch) -> None:
    from alerts import views

    history = history_make(external_id="C-MANY", days=2, deposit_number="110-666-666666")
    for n in range(4):
        transaction_make(
            history.customer, amount=90_000 + n, when=history.transactions[0].occurred_at, score=0.8,
            alert_status=Alert.Status.NEW,
        )  # fmt: skip
    client = english_client()  # the portal ignores Accept-Language: English is chosen by cookie
    client.force_login(analyst)
    assert "Page 1 of 1 · 5 alerts" in _queue(client)
    monkeypatch.setattr(views, "QUEUE_COUNT_LIMIT", 3)
    html = _queue(client)
    assert "more than 3 alerts: narrow the filters to reach older ones" in html
    assert len(_alert_ids(html)) == 3  # pages end at the limit
