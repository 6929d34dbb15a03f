"""Labels reach training only through the labels endpoint: written as the attacks they stop."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from access.services import api_token_create
from alerts.models import Label, MerchantDay, Transaction
from alerts.schemas import TransactionIn
from alerts.services import transactions_ingest
from audit.models import AuditEvent
from fdsportal import roles
from tests.factories import tx_row

pytestmark = pytest.mark.django_db


def _post(client: Client, path: str, body: dict):
    return client.post(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def label_client(make_user) -> Client:
    user = make_user(roles.LABEL_FEED, "card-chargebacks")
    _token, key = api_token_create(user=user, name="chargeback feed")
    return Client(headers={"Authorization": f"Bearer {key}"})


@pytest.fixture
def stored(db) -> Transaction:
    row = TransactionIn.model_validate(tx_row("T-100", customer="C9", amount=70_000))
    transactions_ingest(rows=[row], source="api", enqueue=False)
    tx = Transaction.objects.get(external_id="T-100")
    Transaction.objects.filter(pk=tx.pk).update(status=Transaction.Status.SCORED)
    return tx


def test_an_ingest_client_cannot_label_its_own_live_transaction_fraud(api_client):
    response = _post(api_client, "/api/transactions", tx_row("T-1", is_fraud=True))
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "is_fraud" and "/api/labels" in error["message"]
    assert not Transaction.objects.exists() and not Label.objects.exists()
    assert not MerchantDay.objects.filter(fraud_count__gt=0).exists()


def test_one_labelled_row_refuses_the_whole_batch(api_client):
    rows = [tx_row("T-1"), tx_row("T-2", is_fraud=False), tx_row("T-3")]
    response = _post(api_client, "/api/transactions/batch", {"transactions": rows})
    assert response.status_code == 422
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(1, "is_fraud")]
    assert not Transaction.objects.exists()


def test_the_service_layer_refuses_labels_on_live_ingest_too(db):
    from alerts.services import LabelsNotAccepted

    with pytest.raises(LabelsNotAccepted):
        transactions_ingest(rows=[TransactionIn.model_validate(tx_row("T-1", is_fraud=True))], source="x")
    assert not Transaction.objects.exists()


def test_an_ingest_client_cannot_use_the_labels_endpoint(api_client, stored):
    body = {"labels": [{"transaction_id": "T-100", "is_fraud": True, "reference": "CB-1"}]}
    assert _post(api_client, "/api/labels", body).status_code == 403
    stored.refresh_from_db()
    assert stored.is_fraud is None and not Label.objects.exists()


def test_a_chargeback_is_recorded_with_lineage_and_audited_once(label_client, stored):
    known = timezone.now() - timedelta(days=2)
    body = {
        "labels": [
            {
                "transaction_id": "T-100",
                "is_fraud": True,
                "source": "chargeback",
                "reference": "CB-1",
                "known_at": known.isoformat(),
                "reason": "issuer chargeback 4837",
            }
        ]
    }
    response = _post(label_client, "/api/labels", body)
    assert response.status_code == 201 and response.json()["created"] == ["CB-1"]
    label = Label.objects.get()
    assert (label.source, label.author_name, label.is_fraud) == ("chargeback", "card-chargebacks", True)
    assert label.known_at == known and label.recorded_at >= known
    stored.refresh_from_db()
    assert stored.is_fraud is True
    event = AuditEvent.objects.get(action="alerts.label.recorded")
    assert event.actor_label == "card-chargebacks" and event.after["reference"] == "CB-1"

    again = _post(label_client, "/api/labels", body)
    assert again.status_code == 200 and again.json()["duplicates"] == ["CB-1"]
    assert (
        Label.objects.count() == 1 and AuditEvent.objects.filter(action="alerts.label.recorded").count() == 1
    )


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"transaction_id": "NOPE"}, "transaction_id"),
        ({"known_at": "2999-01-01T00:00:00+09:00"}, "known_at"),
        ({"known_at": "2001-01-01T00:00:00+09:00"}, "known_at"),
        ({"source": "import"}, "labels.1.source"),
    ],
)
def test_a_bad_label_refuses_the_whole_request(label_client, stored, bad, field):
    good = {"transaction_id": "T-100", "is_fraud": True, "reference": "CB-OK"}
    response = _post(label_client, "/api/labels", {"labels": [good, {**good, "reference": "CB-BAD", **bad}]})
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Label.objects.exists()
    stored.refresh_from_db()
    assert stored.is_fraud is None
