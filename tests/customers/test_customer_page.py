"""The customer page: what an analyst sees about one customer, who may open it, and bad filters."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from alerts.features import KST
from smishing.models import Indicator, Submission
from tests.customers.builders import case_with_refund_make, history_make

pytestmark = pytest.mark.django_db


def _url(history, **query) -> str:
    url = reverse("customers:detail", args=[history.customer.pk])
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return url


def _figure(response, figure_id: str) -> dict:
    match = re.search(
        rf'<script id="{figure_id}" type="application/json">(.*?)</script>', response.content.decode(), re.S
    )
    assert match, f"{figure_id} missing"
    return json.loads(match.group(1))


def _report(user, text: str, account_digits: str, *, label: str = "smishing") -> Submission:
    submission = Submission.objects.create(submitted_by=user, text=text, status="done", label=label)
    start = text.index(account_digits[:3])
    Indicator.objects.create(
        submission=submission,
        kind="account",
        value=account_digits,
        normalized=account_digits.replace("-", ""),
        start=start,
        end=start + len(account_digits),
    )
    return submission


def test_an_analyst_sees_profile_history_alerts_cases_refunds_reports_and_counterparties(
    analyst, employee, client_for
) -> None:
    history = history_make()
    case, refund = case_with_refund_make(history, owner=analyst)
    report = _report(employee, "국민은행 110-234-567890 으로 입금하세요", "110-234-567890")
    mule = _report(employee, "급전 필요 352-0000-1111-22 입금", "352-0000-1111-22")

    response = client_for(analyst).get(_url(history))

    assert response.status_code == 200
    html = response.content.decode()
    assert "김*수" in html and "C-HIST" in html and "Youth" in html  # the segment, in the reader's language
    # Every transaction of the customer is counted, the largest one is the night transfer.
    assert f"<dt>Transactions</dt><dd>{len(history.transactions)}</dd>" in html
    assert "900,000원" in html
    # The newest transactions come first, at most one page of them.
    rows = re.findall(r'<tr data-tx="([^"]+)"', html)
    assert len(rows) == min(50, len(history.transactions))
    assert rows[0] == sorted(history.transactions, key=lambda t: (t.occurred_at, t.pk))[-1].external_id
    # Alerts, the case and its refund, each linked.
    assert reverse("alerts:detail", args=[history.alerts[0].pk]) in html
    assert reverse("cases:detail", args=[case.pk]) in html and "야간 고액 이체" in html
    assert 'data-testid="customer-refunds"' in html and "<td>Requested</td>" in html  # the refund's status
    # The report naming the customer's own deposit account is listed; the one naming the beneficiary
    # is not a report about the customer's accounts, but it flags that counterparty.
    assert reverse("smishing:detail", args=[report.pk]) in html
    assert reverse("smishing:detail", args=[mule.pk]) not in html
    beneficiaries = html.split('data-testid="customer-beneficiaries"')[1].split("</table>")[0]
    assert "352-0000-1111-22" in beneficiaries and "named in 1 report" in beneficiaries
    assert "3333-01-2345678" in beneficiaries
    # Merchants by the total paid to them, largest first.
    merchants = html.split('data-testid="customer-merchants"')[1].split("</table>")[0]
    paid: dict[str, int] = {}
    for t in history.transactions:
        if t.merchant is not None:
            paid[t.merchant.name] = paid.get(t.merchant.name, 0) + t.amount
    expected = sorted(paid, key=lambda name: -paid[name])
    assert sorted(expected, key=merchants.index) == expected


def test_the_charts_carry_the_customers_numbers(analyst, client_for) -> None:
    history = history_make(days=10)
    response = client_for(analyst).get(_url(history))

    over_time = _figure(response, "time-figure")
    daily = over_time["data"][0]
    assert sum(daily["y"]) == sum(t.amount for t in history.transactions)
    assert daily["x"] == sorted(
        {t.occurred_at.astimezone(KST).date().isoformat() for t in history.transactions}
    )
    markers = [trace for trace in over_time["data"][1:] if trace["type"] == "scatter"]
    assert [m["y"] for m in markers] == [[900_000]]  # the one alerted transaction, marked
    by_category = _figure(response, "category-figure")["data"][0]
    totals = dict(zip(by_category["y"], by_category["x"], strict=True))
    # Categories are named in the reader's language (this client reads English).
    assert totals["Ice-cream discount store"] == sum(
        t.amount
        for t in history.transactions
        if t.merchant is not None and t.merchant.category == "ice_cream_discount"
    )
    assert totals["Account transfer"] == 930_000
    by_hour = _figure(response, "hour-figure")["data"][0]
    assert by_hour["y"][15] == 10  # the afternoon ice cream, in Seoul time
    assert by_hour["y"][1] == 1  # the night transfer at 01:30


def test_filters_narrow_the_list_totals_and_charts(analyst, client_for) -> None:
    history = history_make(days=30)
    response = client_for(analyst).get(_url(history, min_amount="100,000"))

    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'<tr data-tx="([^"]+)"', html) == ["C-HIST-NIGHT"]
    assert "1 matching transactions, 900,000원 in all" in html
    assert sum(_figure(response, "time-figure")["data"][0]["y"]) == 900_000


def test_transactions_page_by_keyset_without_losing_or_repeating_rows(analyst, client_for) -> None:
    history = history_make(days=70)  # 70 + 10 Fridays + 2 transfers = 82 rows: two pages
    client = client_for(analyst)
    first = client.get(_url(history)).content.decode()
    page_one = re.findall(r'<tr data-tx="([^"]+)"', first)
    older = re.search(r'href="\?([^"#]*older=[^"#]*)#transactions-h" rel="next"', first)
    assert older, "a link to the older page"
    second = client.get(_url(history) + "?" + older.group(1).replace("&amp;", "&")).content.decode()
    page_two = re.findall(r'<tr data-tx="([^"]+)"', second)
    assert len(page_one) == 50 and len(page_two) == len(history.transactions) - 50
    assert set(page_one).isdisjoint(page_two)
    assert set(page_one) | set(page_two) == {t.external_id for t in history.transactions}
    assert 'rel="next"' not in second
    newer = re.search(r'href="\?([^"#]*newer=[^"#]*)#transactions-h" rel="prev"', second)
    assert newer
    back = client.get(_url(history) + "?" + newer.group(1).replace("&amp;", "&")).content.decode()
    assert re.findall(r'<tr data-tx="([^"]+)"', back) == page_one


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"min_amount": "lots"}, "Enter a whole number."),
        ({"min_amount": "0"}, "greater than or equal to 1"),
        ({"max_amount": "99999999999999999999999"}, "less than or equal to"),
        ({"min_amount": "5000", "max_amount": "100"}, "The upper amount must not be below the lower one."),
        ({"since": "0001-01-01T00:00"}, "Enter a date between 2000 and 2099."),
        ({"until": "9999-12-31T23:59"}, "Enter a date between 2000 and 2099."),
        ({"since": "2026-13-45"}, "Enter a valid date/time."),
        ({"since": "2026-11-02", "until": "2026-11-01"}, "&#x27;Until&#x27; must be after &#x27;From&#x27;."),
        ({"older": "not-a-cursor"}, "This page link is not valid."),
        ({"older": "99999999999999999.1"}, "This page link is not valid."),
        ({"tx": "x" * 65}, "at most 64 characters"),
        ({"merchant": "a\x00b"}, "Null characters are not allowed."),
    ],
)
def test_bad_filters_are_explained_on_the_page(analyst, client_for, query, message) -> None:
    history = history_make(days=3)
    response = client_for(analyst).get(_url(history, **query))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="form-errors"' in html
    assert message in html
    assert 'data-tx="' not in html  # nothing was searched with a filter that failed
    assert "김*수" in html  # the rest of the page still shows


def test_a_customer_without_transactions_says_so(analyst, client_for) -> None:
    from alerts.models import Customer

    customer = Customer.objects.create(external_id="C-EMPTY")
    response = client_for(analyst).get(reverse("customers:detail", args=[customer.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This customer has no transactions yet." in html
    assert "No alerts for this customer." in html and "No cases for this customer." in html
    assert 'id="time-figure"' not in html


def test_compliance_may_open_it_employees_may_not(compliance, employee, client_for) -> None:
    history = history_make(days=2)
    assert client_for(compliance).get(_url(history)).status_code == 200
    assert client_for(employee).get(_url(history)).status_code == 403


def test_an_unknown_customer_is_404(analyst, client_for) -> None:
    assert client_for(analyst).get(reverse("customers:detail", args=[999_999])).status_code == 404


def test_alert_and_case_pages_link_to_it(analyst, client_for) -> None:
    history = history_make(days=2)
    case, _refund = case_with_refund_make(history, owner=analyst)
    client = client_for(analyst)
    link = reverse("customers:detail", args=[history.customer.pk])
    assert link in client.get(reverse("alerts:detail", args=[history.alerts[0].pk])).content.decode()
    assert link in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert link in client.get(reverse("cases:list")).content.decode()


def test_query_count_does_not_grow_with_history(analyst, client_for) -> None:
    small = history_make(external_id="C-SMALL", days=3, deposit_number="110-000-000001")
    large = history_make(external_id="C-LARGE", days=120, deposit_number="110-000-000002")
    client = client_for(analyst)
    client.get(_url(small))  # warm the session and permission caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(_url(small))
    with CaptureQueriesContext(connection) as many:
        client.get(_url(large))
    assert len(many) == len(few)
