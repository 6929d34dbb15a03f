"""The operations dashboard: aggregates are right, in local time, and only aggregates reach the page."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from alerts.models import Alert, Customer, Score
from cases.models import Case
from cases.ops import (
    ops_alert_rates_per_day,
    ops_alerts_per_hour,
    ops_dashboard_charts,
    ops_headline_figures,
    ops_open_cases_by_age,
    ops_precision_per_reason,
    ops_sla_compliance_per_day,
)
from tests.factories import alert_make, customer_make

pytestmark = pytest.mark.django_db

KST = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 11, 20, 15, 30, tzinfo=KST)  # a Friday afternoon in Seoul
_serial = itertools.count(1)


def make_alert(
    *,
    created_at: datetime = NOW,
    status: str = "new",
    decided_at: datetime | None = None,
    is_fraud: bool | None = None,
    reasons: tuple[str, ...] = ("amount_spike",),
    customer: Customer | None = None,
) -> Alert:
    """An alert at `created_at` for the dashboard's aggregates (tests.factories builds the rows)."""
    return alert_make(
        customer=customer or customer_make(with_account=False),
        amount=7000,
        score=0.9,
        status=status,
        created_at=created_at,
        decided_at=decided_at,
        is_fraud=is_fraud,
        reasons=reasons,
        transaction_external_id=f"TX-SECRET-{next(_serial)}",
    )


def make_case(
    *,
    opened_at: datetime = NOW,
    status: str = "open",
    sla_due_at: datetime | None = None,
    sla_met_at: datetime | None = None,
) -> Case:
    n = next(_serial)
    customer = Customer.objects.create(external_id=f"CC{n}")
    return Case.objects.create(
        customer=customer,
        opened_at=opened_at,
        status=status,
        sla_due_at=sla_due_at or opened_at + timedelta(days=3),
        sla_met_at=sla_met_at,
    )


def test_alerts_per_hour_counts_local_hours_and_keeps_empty_hours():
    make_alert(created_at=NOW)  # 15:30 → the 15:00 bucket
    make_alert(created_at=NOW.replace(minute=0))
    make_alert(created_at=NOW - timedelta(hours=1))
    make_alert(created_at=NOW - timedelta(hours=47))  # the oldest hour shown
    make_alert(created_at=NOW - timedelta(hours=48))  # one hour too old
    make_alert(created_at=NOW + timedelta(minutes=1))  # clock skew: not counted as the past

    series = ops_alerts_per_hour(now=NOW)

    assert len(series) == 48
    assert series[-1].hour == datetime(2026, 11, 20, 15, 0)  # local wall-clock hour, not UTC (06:00)
    assert series[-1].alerts == 2
    assert series[-2].alerts == 1
    assert series[0].hour == datetime(2026, 11, 18, 16, 0)
    assert series[0].alerts == 1
    assert sum(point.alerts for point in series) == 4


def test_dismissal_and_confirmation_rates_per_decision_day():
    thursday = NOW - timedelta(days=1)
    for _ in range(3):
        make_alert(status="dismissed", decided_at=thursday, is_fraud=False)
    make_alert(status="escalated", decided_at=thursday, is_fraud=True)
    make_alert(status="escalated", decided_at=NOW, is_fraud=None)  # case still open: no label yet
    make_alert(status="escalated", decided_at=NOW, is_fraud=True)
    make_alert(status="new")  # undecided: not in the rates
    make_alert(status="dismissed", decided_at=NOW - timedelta(days=20))  # outside the window

    days = ops_alert_rates_per_day(now=NOW)

    assert [(d.day.isoformat(), d.decided, d.dismissed, d.confirmed) for d in days] == [
        ("2026-11-19", 4, 3, 1),
        ("2026-11-20", 2, 0, 1),
    ]
    assert days[0].dismissal_rate == 0.75
    assert days[0].confirmation_rate == 0.25
    assert days[1].confirmation_rate == 0.5


def test_decisions_fall_on_the_local_day():
    # 00:30 in Seoul on the 20th is still the 19th in UTC.
    make_alert(status="dismissed", decided_at=datetime(2026, 11, 20, 0, 30, tzinfo=KST))
    assert [d.day.isoformat() for d in ops_alert_rates_per_day(now=NOW)] == ["2026-11-20"]


def test_precision_per_reason_code():
    decided = NOW - timedelta(days=2)
    make_alert(
        status="escalated", decided_at=decided, is_fraud=True, reasons=("school_hours", "amount_spike")
    )
    make_alert(
        status="escalated", decided_at=decided, is_fraud=True, reasons=("amount_spike", "amount_spike")
    )
    make_alert(status="dismissed", decided_at=decided, is_fraud=False, reasons=("amount_spike",))
    make_alert(status="dismissed", decided_at=decided, is_fraud=None, reasons=("new_merchant",))
    make_alert(status="escalated", decided_at=decided, is_fraud=None, reasons=("school_hours",))
    make_alert(status="new", reasons=("school_hours",), is_fraud=True)  # not decided
    make_alert(
        status="escalated", decided_at=NOW - timedelta(days=40), is_fraud=True, reasons=("card_testing",)
    )
    make_alert(status="dismissed", decided_at=decided, reasons=())  # no reasons at all

    rows = ops_precision_per_reason(now=NOW)

    assert [(r.code, r.decided, r.confirmed) for r in rows] == [
        ("amount_spike", 3, 2),  # the repeated code counts the alert once
        ("school_hours", 2, 1),
        ("new_merchant", 1, 0),
    ]
    assert rows[0].precision == pytest.approx(2 / 3)


def test_precision_ignores_malformed_reasons():
    alert = make_alert(status="dismissed", decided_at=NOW - timedelta(hours=1))
    Score.objects.filter(pk=alert.score_id).update(reasons={"code": "not-a-list"})
    make_alert(status="dismissed", decided_at=NOW - timedelta(hours=1), reasons=("ok_code",))
    assert [r.code for r in ops_precision_per_reason(now=NOW)] == ["ok_code"]


def test_sla_compliance_per_deadline_day():
    yesterday_noon = datetime(2026, 11, 19, 12, 0, tzinfo=KST)
    make_case(status="not_fraud", sla_due_at=yesterday_noon, sla_met_at=yesterday_noon - timedelta(hours=5))
    make_case(status="closed", sla_due_at=yesterday_noon, sla_met_at=yesterday_noon)  # on the deadline: met
    make_case(
        status="confirmed_fraud", sla_due_at=yesterday_noon, sla_met_at=yesterday_noon + timedelta(hours=2)
    )
    make_case(status="investigating", sla_due_at=yesterday_noon)  # breached, still undecided
    make_case(status="open", sla_due_at=NOW + timedelta(hours=3))  # not due yet: not counted

    days = ops_sla_compliance_per_day(now=NOW)

    assert days is not None
    assert [(d.day.isoformat(), d.on_time, d.late, d.missed_open) for d in days] == [("2026-11-19", 2, 1, 1)]
    assert days[0].compliance == 0.5


def test_open_cases_by_age():
    for age in (
        timedelta(hours=2),
        timedelta(hours=30),
        timedelta(days=2),
        timedelta(days=5),
        timedelta(days=30),
    ):
        make_case(opened_at=NOW - age, status="investigating")
    make_case(opened_at=NOW - timedelta(days=30), status="closed")  # not open
    make_case(opened_at=NOW - timedelta(days=3), status="open")  # exactly three days: the older bucket

    buckets = ops_open_cases_by_age(now=NOW)

    assert [(b.label, b.cases) for b in buckets] == [
        ("< 1 day", 1),
        ("1–3 days", 2),
        ("3–7 days", 2),
        ("7–14 days", 0),
        ("≥ 14 days", 1),
    ]


def test_headline_figures():
    make_alert(created_at=NOW - timedelta(hours=2))
    make_alert(created_at=NOW - timedelta(hours=30), status="dismissed", decided_at=NOW)
    make_case(status="open", sla_due_at=NOW - timedelta(hours=1))  # overdue
    make_case(status="investigating", sla_due_at=NOW + timedelta(hours=5))  # due soon
    make_case(status="open", sla_due_at=NOW - timedelta(hours=1), sla_met_at=NOW - timedelta(hours=2))
    make_case(status="closed", sla_due_at=NOW - timedelta(days=1))

    figures = {h.testid: h for h in ops_headline_figures(now=NOW)}

    assert figures["kpi-alerts-24h"].value == "1"
    assert figures["kpi-alerts-waiting"].value == "1"
    assert figures["kpi-open-cases"].value == "3"
    assert figures["kpi-sla-overdue"].value == "1" and figures["kpi-sla-overdue"].tone == "danger"
    assert figures["kpi-sla-due-soon"].value == "1"


def test_charts_have_figures_only_when_there_is_data():
    assert all(chart.figure is None for chart in ops_dashboard_charts(now=NOW))
    make_alert(created_at=NOW - timedelta(hours=3), status="dismissed", decided_at=NOW, is_fraud=False)
    charts = {chart.key: chart for chart in ops_dashboard_charts(now=NOW)}
    assert charts["alerts-per-hour"].figure is not None
    assert charts["alert-rates"].figure is not None
    assert charts["precision-per-reason"].figure is not None
    assert charts["sla-compliance"].figure is None
    assert charts["open-cases-by-age"].figure is None
    bars = charts["alerts-per-hour"].figure["data"][0]
    assert len(bars["x"]) == 48 and sum(bars["y"]) == 1


def test_dashboard_page_embeds_aggregates_not_rows(client_for, analyst):
    customer = Customer.objects.create(external_id="CUST-PRIVATE", display_name="홍*동")
    for hours in (1, 2, 3):
        make_alert(created_at=timezone_now() - timedelta(hours=hours), customer=customer)
    make_case(opened_at=timezone_now() - timedelta(days=2), status="investigating")

    response = client_for(analyst).get(reverse("cases:ops"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="ops-figure-alerts-per-hour"' in html and 'data-figure="ops-figure-alerts-per-hour"' in html
    assert "plotly/plotly.min.js" in html and "cases/ops.js" in html
    assert "<script>" not in html  # CSP: no inline code, data only in application/json blocks
    for private in ("CUST-PRIVATE", "홍*동", "TX-SECRET-"):
        assert private not in html
    assert "No alerts were dismissed or escalated in the last 14 days." in html


def test_dashboard_empty_states(client_for, compliance):
    response = client_for(compliance).get(reverse("cases:ops"))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "No alerts in the last 48 hours.",
        "No decided alerts in the last 30 days.",
        "No open cases.",
    ):
        assert text in html
    assert "application/json" not in html


def test_dashboard_access(client_for, analyst, senior, compliance, employee, make_user):
    url = reverse("cases:ops")
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert client_for(employee).get(url).status_code == 403
    assert client_for(make_user(None)).get(url).status_code == 403
    for user in (analyst, senior, compliance, make_user("administrator")):
        assert client_for(user).get(url).status_code == 200
    assert client_for(analyst).post(url).status_code == 405


def timezone_now() -> datetime:
    from django.utils import timezone

    return timezone.now()
