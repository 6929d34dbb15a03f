"""Transaction search: each filter finds what it should, pages by keyset, and bad input is explained."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from alerts.features import KST
from alerts.forms import TransactionSearchForm
from alerts.selectors import TransactionFilters, transactions_search
from tests.conftest import english_client
from tests.customers.builders import history_make, merchant_get, transaction_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def en_client():
    def make(user) -> Client:
        client = english_client()  # the portal ignores Accept-Language: English is chosen by cookie
        client.force_login(user)
        return client

    return make


def _ids(response) -> list[str]:
    return re.findall(r'<tr data-tx="([^"]+)"', response.content.decode())


def _search(client: Client, **query: str) -> Any:
    return client.get(reverse("alerts:transactions") + "?" + urlencode(query))


@pytest.fixture
def two_customers():
    first = history_make(external_id="C-ONE", days=10, deposit_number="110-111-111111")
    second = history_make(external_id="C-TWO", name="이*영", days=5, deposit_number="110-222-222222")
    return first, second


def test_each_filter_finds_exactly_its_transactions(analyst, en_client, two_customers) -> None:
    first, second = two_customers
    client = en_client(analyst)
    everything = first.transactions + second.transactions

    assert _ids(_search(client, tx="C-ONE-NIGHT")) == ["C-ONE-NIGHT"]
    assert set(_ids(_search(client, customer="C-TWO"))) == {t.external_id for t in second.transactions}
    assert set(_ids(_search(client, account="110-111-111111"))) == {
        t.external_id for t in first.transactions if t.account_id == first.deposit.pk
    }
    by_name = set(_ids(_search(client, merchant="게임")))
    assert by_name == {t.external_id for t in everything if t.merchant and t.merchant.category == "game"}
    assert set(_ids(_search(client, merchant="M-ICE-1"))) == {
        t.external_id for t in everything if t.merchant and t.merchant.external_id == "M-ICE-1"
    }
    assert set(_ids(_search(client, min_amount="10000", max_amount="30,000원"))) == {
        t.external_id for t in everything if 10_000 <= t.amount <= 30_000
    }
    since, until = datetime(2026, 10, 3, tzinfo=KST), datetime(2026, 10, 5, tzinfo=KST)
    in_window = _ids(_search(client, since="2026-10-03", until="2026-10-05T00:00"))
    assert set(in_window) == {t.external_id for t in everything if since <= t.occurred_at < until}
    assert in_window  # the window is not empty, so the assertion above says something
    # Filters combine.
    assert _ids(_search(client, customer="C-TWO", min_amount="100000")) == ["C-TWO-NIGHT"]


def test_rows_link_to_the_customer_page_for_those_who_may_open_it(analyst, en_client, two_customers) -> None:
    first, _second = two_customers
    html = _search(en_client(analyst), tx="C-ONE-NIGHT").content.decode()
    assert reverse("customers:detail", args=[first.customer.pk]) in html
    assert reverse("alerts:detail", args=[first.alerts[0].pk]) in html


def test_no_match_is_an_empty_state_not_an_error(analyst, en_client, two_customers) -> None:
    response = _search(en_client(analyst), customer="NOBODY")
    assert response.status_code == 200
    assert "No transactions match these filters." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"min_amount": "-5"}, "greater than or equal to 1"),
        ({"max_amount": "1e9"}, "Enter a whole number."),
        ({"min_amount": "9", "max_amount": "1"}, "The upper amount must not be below the lower one."),
        ({"since": "0001-01-01"}, "Enter a date between 2000 and 2099."),
        ({"until": "9999-12-31T23:59"}, "Enter a date between 2000 and 2099."),
        ({"since": "yesterday"}, "Enter a valid date/time."),
        ({"newer": "1.2.3"}, "This page link is not valid."),
        ({"older": "-99999999999999999.5"}, "This page link is not valid."),
        ({"older": "1764547200000000.5", "newer": "1764547200000000.9"}, "This page link is not valid."),
        ({"customer": "c" * 65}, "at most 64 characters"),
    ],
)
def test_bad_filters_get_400_and_a_message(analyst, en_client, two_customers, query, message) -> None:
    response = _search(en_client(analyst), **query)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'data-testid="form-errors"' in html
    assert _ids(response) == []


def test_who_may_search(analyst, compliance, employee, en_client, two_customers) -> None:
    assert _search(en_client(analyst), customer="C-ONE").status_code == 200
    assert _search(en_client(compliance), customer="C-ONE").status_code == 200
    assert _search(en_client(employee), customer="C-ONE").status_code == 403
    assert Client().get(reverse("alerts:transactions")).status_code == 302


def test_keyset_pages_cover_every_row_once_even_with_equal_times(db) -> None:
    history = history_make(external_id="C-KEY", days=3, deposit_number="110-333-333333")
    shop = merchant_get("M-TIE", "같은 시각 가맹점", "convenience")
    tied_at = datetime(2026, 10, 2, 12, 0, tzinfo=KST)
    tied = [transaction_make(history.customer, amount=100 + i, when=tied_at, merchant=shop) for i in range(7)]
    filters = TransactionFilters(customer_id=history.customer.pk)
    seen: list[int] = []
    page = transactions_search(filters=filters, limit=3)
    pages = [page]
    while page.older is not None:
        page = transactions_search(filters=filters, older_than=page.older, limit=3)
        pages.append(page)
    for p in pages:
        seen.extend(t.pk for t in p.rows)
    expected = sorted(history.transactions + tied, key=lambda t: (t.occurred_at, t.pk), reverse=True)
    assert seen == [t.pk for t in expected]
    # Walking back from the last page returns the same pages in reverse.
    back = transactions_search(filters=filters, newer_than=pages[-1].newer, limit=3)
    assert [t.pk for t in back.rows] == [t.pk for t in pages[-2].rows]


def test_a_form_round_trips_its_cursor() -> None:
    form = TransactionSearchForm({"older": "1764547200000000.42", "merchant": "편의점"})
    assert form.is_valid(), form.errors
    cursor = form.cleaned_data["older"]
    assert cursor.id == 42 and cursor.occurred_at == datetime(2025, 12, 1, tzinfo=KST) + timedelta(hours=9)
    again = TransactionSearchForm(QueryDict(form.page_query(older=cursor)))
    assert again.is_valid() and again.cleaned_data["older"] == cursor
    assert again.cleaned_data["merchant"] == "편의점"
