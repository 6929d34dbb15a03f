"""The ingest API: validation writes nothing, duplicates are stored once (also concurrently)."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import close_old_connections
from django.test import Client

from alerts.models import Customer, Merchant, Transaction
from tests.factories import tx_row

pytestmark = pytest.mark.django_db


def post(client: Client, path: str, body: object):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_a_batch_is_stored_and_answered_with_what_was_created(api_client, django_capture_on_commit_callbacks):
    rows = [tx_row(f"T{i}", customer=f"C{i % 3}") for i in range(20)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(api_client, "/api/transactions/batch", {"transactions": rows})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["accepted"] == 20 and body["duplicates"] == []
    assert Transaction.objects.count() == 20
    assert Customer.objects.count() == 3 and Merchant.objects.count() == 1
    assert len(callbacks) == 1  # scoring is queued after commit, in one batch


def test_bad_rows_are_all_reported_and_nothing_is_written(api_client):
    rows = [
        tx_row("OK1"),
        tx_row("BAD-AMOUNT", amount=-5),
        tx_row("BAD-TIME", when=None) | {"occurred_at": "2026-11-20T07:00:00"},  # no UTC offset
        tx_row("OK2") | {"channel": "pigeon"},
        tx_row("bad id with spaces"),
    ]
    response = post(api_client, "/api/transactions/batch", {"transactions": rows})
    assert response.status_code == 422
    errors = response.json()["errors"]
    by_index = {(e["index"], e["field"]) for e in errors}
    assert (1, "amount") in by_index
    assert (2, "occurred_at") in by_index
    assert (3, "channel") in by_index
    assert (4, "external_id") in by_index
    assert {e["external_id"] for e in errors if e["index"] == 1} == {"BAD-AMOUNT"}
    assert Transaction.objects.count() == 0 and Customer.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"transactions": []}',
        b'{"transactions": [{"external_id": "x"}]}',
        b'{"rows": []}',
    ],
)
def test_malformed_bodies_get_4xx_and_change_nothing(api_client, body):
    response = api_client.post("/api/transactions/batch", data=body, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert Transaction.objects.count() == 0


def test_a_resent_transaction_is_reported_duplicate_and_stored_once(api_client):
    first = post(api_client, "/api/transactions", tx_row("T1"))
    again = post(api_client, "/api/transactions", tx_row("T1"))
    assert first.status_code == 201 and first.json()["created"] == ["T1"]
    assert again.status_code == 200 and again.json() == {"accepted": 0, "created": [], "duplicates": ["T1"]}
    same_batch = post(api_client, "/api/transactions/batch", {"transactions": [tx_row("T2"), tx_row("T2")]})
    assert same_batch.json()["created"] == ["T2"] and same_batch.json()["duplicates"] == ["T2"]
    assert Transaction.objects.filter(external_id__in=["T1", "T2"]).count() == 2


def test_ingest_needs_a_token_with_the_ingest_permission(client_for, analyst, employee):
    assert post(Client(), "/api/transactions", tx_row("T1")).status_code == 401
    bad_token = Client(headers={"Authorization": "Bearer fds_not-a-real-token"})
    assert post(bad_token, "/api/transactions", tx_row("T1")).status_code == 401
    assert post(client_for(analyst), "/api/transactions", tx_row("T1")).status_code == 403
    assert post(client_for(employee), "/api/transactions", tx_row("T1")).status_code == 403
    assert Transaction.objects.count() == 0


def test_oversized_batches_are_refused(api_client, settings):
    settings.FDS_API_MAX_BATCH = 5
    response = post(
        api_client, "/api/transactions/batch", {"transactions": [tx_row(f"T{i}") for i in range(6)]}
    )
    assert response.status_code == 413
    assert Transaction.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_resends_store_each_transaction_once(service_token):
    rows = [tx_row(f"T{i}", customer=f"C{i % 7}") for i in range(200)]
    results: list[dict] = []
    barrier = threading.Barrier(8)

    def send() -> None:
        client = Client(headers={"Authorization": f"Bearer {service_token}"})
        barrier.wait()
        response = post(client, "/api/transactions/batch", {"transactions": rows})
        results.append(response.json())
        close_old_connections()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Transaction.objects.count() == 200
    created = [ext for r in results for ext in r["created"]]
    assert sorted(created) == sorted(r["external_id"] for r in rows)  # each created exactly once in all
    assert all(len(r["created"]) + len(r["duplicates"]) == 200 for r in results)
