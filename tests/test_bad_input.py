"""Bad input gets a clear 4xx and changes nothing: each test is one probe that used to answer 500
(or to be accepted) when the demo was attacked as each role."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from access.services import api_token_create
from alerts.models import Account, Customer, Transaction
from audit.models import AuditEvent
from tests.conftest import english_client
from tests.factories import tx_row

pytestmark = pytest.mark.django_db


def post_json(client: Client, path: str, body: object):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def raw_client(user) -> Client:
    client = english_client(raise_request_exception=False)
    client.force_login(user)
    return client


# --- Pages and their filters --------------------------------------------------------------------------


def test_attack_audit_search_to_the_last_representable_day_is_refused(compliance) -> None:
    response = raw_client(compliance).get(
        "/audit/", {"occurred_from": "2026-01-01", "occurred_to": "9999-12-31"}
    )
    assert response.status_code == 400
    assert "must lie between" in response.content.decode()


def test_attack_audit_export_to_year_9999_is_refused(compliance) -> None:
    response = raw_client(compliance).post("/audit/export.csv", {"occurred_to": "9999-12-31"})
    assert response.status_code == 400


def test_attack_alert_queue_since_year_one_is_refused_and_the_page_still_renders(analyst) -> None:
    response = raw_client(analyst).get("/alerts/", {"since": "0001-01-01T00:00"})
    assert response.status_code == 400
    assert "must lie between" in response.content.decode()


def test_attack_login_next_login_for_a_signed_in_user_does_not_loop(analyst) -> None:
    response = raw_client(analyst).get("/login/", {"next": "/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("campaign", ["²", "99999999999999999999999999"])
def test_attack_odd_digits_in_the_smishing_review_filter(analyst, campaign: str) -> None:
    response = raw_client(analyst).get("/smishing/review/", {"campaign": campaign})
    assert response.status_code == 200


def test_attack_bulk_triage_with_an_id_beyond_bigint(analyst) -> None:
    response = raw_client(analyst).post(
        "/cases/triage/bulk/",
        {"alert_ids": ["99999999999999999999999"], "action": "claim"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["ok"] is False


@pytest.mark.parametrize(
    "path", ["/cases/99999999999999999999/", "/smishing/submissions/99999999999999999999/"]
)
def test_attack_page_ids_beyond_bigint_are_not_found(senior, path: str) -> None:
    assert raw_client(senior).get(path).status_code == 404


def test_attack_refund_request_account_beyond_bigint(senior) -> None:
    response = raw_client(senior).post("/cases/1/refunds/", {"amount": "1000", "account": str(2**70)})
    assert response.status_code in (400, 404)


# --- API: pages, ids, strict types ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [{"page": "1e20"}, {"page": str(10**20)}, {"page": "0"}, {"page_size": "100000"}, {"min_score": "7"}],
)
def test_attack_alert_list_paging_out_of_range(analyst, query: dict[str, str]) -> None:
    response = raw_client(analyst).get("/api/alerts", query)
    assert response.status_code == 422, response.content


@pytest.mark.parametrize("query", [{"limit": "100000"}, {"offset": str(10**20)}, {"q": "a\x00b"}])
def test_attack_case_list_paging_and_search_out_of_range(analyst, query: dict[str, str]) -> None:
    response = raw_client(analyst).get("/api/cases", query)
    assert response.status_code == 422, response.content


@pytest.mark.parametrize(
    "path", ["/api/alerts/99999999999999999999", "/api/cases/99999999999999999999", "/api/alerts/-1"]
)
def test_attack_path_ids_beyond_bigint(analyst, path: str) -> None:
    response = raw_client(analyst).get(path)
    assert response.status_code == 422, response.content


def test_every_list_endpoint_caps_its_page_size() -> None:
    from fdsportal.api import api
    from untrusted.api_params import MAX_PAGE_SIZE

    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            names = {p["name"]: p for p in operation.get("parameters", [])}
            for size in ("page_size", "limit"):
                if size in names:
                    assert names[size]["schema"].get("maximum") == MAX_PAGE_SIZE, f"{method} {path} {size}"


# --- Ingest: time windows, strict integers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": True}, "amount"),
        ({"amount": "5000"}, "amount"),
        ({"amount": 5000.0}, "amount"),
        ({"occurred_at": "0001-01-01T00:00:00+09:00"}, "occurred_at"),
        ({"occurred_at": "1989-12-31T23:59:59+09:00"}, "occurred_at"),
        ({"occurred_at": (timezone.now() + timedelta(hours=1)).isoformat()}, "occurred_at"),
        ({"customer": {"birth_date": "2999-01-01"}}, "customer.birth_date"),
        ({"customer": {"birth_date": "1850-01-01"}}, "customer.birth_date"),
        ({"customer": {"display_name": "a\x00b"}}, "customer.display_name"),
    ],
)
def test_attack_implausible_transactions_are_refused_and_nothing_is_stored(
    api_client: Client, change: dict, field: str
) -> None:
    response = post_json(
        api_client, "/api/transactions/batch", {"transactions": [tx_row("OK"), tx_row("BAD") | change]}
    )
    assert response.status_code == 422, response.content
    assert {(e["index"], e["field"]) for e in response.json()["errors"]} == {(1, field)}
    assert Transaction.objects.count() == 0 and Customer.objects.count() == 0


def test_a_transaction_a_few_seconds_ahead_of_our_clock_is_accepted(api_client: Client) -> None:
    ahead = timezone.now() + timedelta(seconds=30)
    response = post_json(api_client, "/api/transactions", tx_row("SKEW", when=ahead))
    assert response.status_code == 201


def test_attack_smishing_submission_consent_must_be_a_boolean(employee) -> None:
    response = post_json(
        raw_client(employee), "/api/smishing/submissions", {"text": "안녕하세요", "consent": "yes"}
    )
    assert response.status_code == 422


# --- Scoring: one unreadable row must not fail its batch for ever -------------------------------------------


@pytest.mark.postgres
def test_attack_a_stored_year_one_timestamp_no_longer_fails_its_scoring_batch(api_client: Client) -> None:
    from alerts.services import transactions_score
    from tests.factories import active_model_install

    if connection.vendor != "postgresql":
        pytest.skip("psycopg's read-back limit is PostgreSQL's")
    active_model_install(rounds=5)
    response = post_json(
        api_client, "/api/transactions/batch", {"transactions": [tx_row("GOOD"), tx_row("LEGACY-BAD")]}
    )
    assert response.status_code == 201
    bad = Transaction.objects.get(external_id="LEGACY-BAD")
    # As a row stored before validation held times to a plausible window: PostgreSQL keeps a year-1
    # timestamp that psycopg cannot read back.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE alerts_transaction SET occurred_at = '0001-01-01 00:00:00+09' WHERE id = %s", [bad.pk]
        )
    ids = list(Transaction.objects.order_by("id").values_list("id", flat=True))

    result = transactions_score(transaction_ids=ids)

    assert result.scored == 1 and result.rejected == 1
    statuses = dict(Transaction.objects.filter(external_id="GOOD").values_list("external_id", "status"))
    assert statuses == {"GOOD": Transaction.Status.SCORED}
    assert Transaction.objects.filter(pk=bad.pk, status=Transaction.Status.REJECTED).exists()
    assert AuditEvent.objects.filter(action="alerts.transaction.rejected", target_id=str(bad.pk)).exists()
    # Run again (a retry, the sweeper): nothing left to do, nothing fails.
    assert transactions_score(transaction_ids=ids).scored == 0


# --- Accounts belong to customers by the customer master only --------------------------------------------


@pytest.fixture
def master_client(make_user) -> Client:
    from fdsportal import roles

    _token, key = api_token_create(
        user=make_user(roles.CUSTOMER_MASTER_SERVICE, "customer-master"), name="cm"
    )
    return Client(headers={"Authorization": f"Bearer {key}"})


def _bind(master_client: Client, customer: str, account: str):
    return post_json(
        master_client,
        "/api/customers/master",
        {"customers": [{"external_id": customer, "accounts": [{"external_id": account, "kind": "deposit"}]}]},
    )


def test_attack_a_feed_client_cannot_bind_its_account_to_a_victim(
    api_client: Client, master_client: Client
) -> None:
    assert _bind(master_client, "VICTIM", "VICTIM-ACC").status_code == 200
    # The feed names the victim with an account of its own choosing, first.
    response = post_json(
        api_client, "/api/transactions", tx_row("T-ATTACK", customer="VICTIM", account_id="MULE-ACC")
    )
    assert response.status_code == 201
    assert not Account.objects.filter(external_id="MULE-ACC").exists()
    assert list(
        Customer.objects.get(external_id="VICTIM").accounts.values_list("external_id", flat=True)
    ) == ["VICTIM-ACC"]
    assert Transaction.objects.get(external_id="T-ATTACK").account_id is None


def test_attack_a_feed_client_cannot_use_another_customers_account(
    api_client: Client, master_client: Client
) -> None:
    assert _bind(master_client, "OWNER", "OWNER-ACC").status_code == 200
    response = post_json(
        api_client,
        "/api/transactions/batch",
        {
            "transactions": [
                tx_row("T-OK", customer="OTHER"),
                tx_row("T-STEAL", customer="OTHER", account_id="OWNER-ACC"),
            ]
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "index": 1,
            "external_id": "T-STEAL",
            "field": "account_id",
            "message": "belongs to another customer",
        }
    ]
    assert Transaction.objects.count() == 0


def test_a_feed_transaction_links_the_customers_own_account(
    api_client: Client, master_client: Client
) -> None:
    assert _bind(master_client, "C1", "C1-CARD").status_code == 200
    assert post_json(api_client, "/api/transactions", tx_row("T1", account_id="C1-CARD")).status_code == 201
    linked = Transaction.objects.get(external_id="T1").account
    assert linked is not None and linked.external_id == "C1-CARD"


def test_the_customer_master_cannot_move_an_account_and_writes_nothing(master_client: Client) -> None:
    assert _bind(master_client, "A", "ACC-1").status_code == 200
    response = post_json(
        master_client,
        "/api/customers/master",
        {
            "customers": [
                {"external_id": "NEW", "display_name": "김*수"},
                {"external_id": "B", "accounts": [{"external_id": "ACC-1"}]},
            ]
        },
    )
    assert response.status_code == 409
    assert response.json()["conflicts"] == [{"account": "ACC-1", "bound_to": "A", "named": "B"}]
    assert not Customer.objects.filter(external_id__in=["NEW", "B"]).exists()
    assert Account.objects.get(external_id="ACC-1").customer.external_id == "A"
    assert AuditEvent.objects.filter(action="alerts.account.bound").count() == 1


def test_the_ingest_client_may_not_send_customer_master_data(api_client: Client) -> None:
    assert _bind(api_client, "VICTIM", "MULE").status_code == 403
    assert not Account.objects.exists()


def test_customer_master_is_safe_to_resend(master_client: Client) -> None:
    assert _bind(master_client, "A", "ACC-1").json()["accounts_bound"] == ["ACC-1"]
    again = _bind(master_client, "A", "ACC-1")
    assert again.status_code == 200 and again.json()["accounts_bound"] == []
    assert AuditEvent.objects.filter(action="alerts.account.bound").count() == 1


def test_time_windows_use_aware_datetimes() -> None:
    from untrusted.validation import event_time_problem

    now = datetime(2026, 11, 20, tzinfo=UTC)
    assert event_time_problem(now - timedelta(days=3650), now=now) is None
    assert event_time_problem(now + timedelta(minutes=10), now=now) is not None
