"""Compliance views of the audit trail: search, timeline, CSV export, and who may use them."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.db import transaction
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.selectors import audit_events_for_object
from audit.services import audit_record
from audit.views import csv_cell

pytestmark = pytest.mark.django_db


def record(**kwargs) -> AuditEvent:
    kwargs.setdefault("target", ("cases.case", "7"))
    with transaction.atomic():
        return audit_record(**kwargs)


@pytest.fixture
def trail(analyst: User, senior: User) -> dict[str, AuditEvent]:
    return {
        "escalated": record(
            action="alerts.alert.escalated",
            target=("alerts.alert", "41"),
            actor=analyst,
            before={"status": "claimed"},
            after={"status": "escalated", "case": 7},
            reason="고객 확인 결과 본인 거래 아님 (customer denies the payment)",
            model_version="fds-2026-11-01",
            score=0.934,
        ),
        "confirmed": record(
            action="cases.case.confirmed_fraud",
            actor=analyst,
            before={"status": "investigating"},
            after={"status": "confirmed_fraud"},
            reason="victim called the branch",
        ),
        "approved": record(
            action="cases.refund.approved",
            target=("cases.refundrequest", "3"),
            actor=senior,
            before={"status": "requested"},
            after={"status": "approved"},
            reason="four-eyes approval",
        ),
        "settled": record(
            action="cases.refund.settled", target=("cases.refundrequest", "3"), system_actor="system:gateway"
        ),
    }


def ids_on_page(response) -> list[int]:
    return [event.pk for event in response.context["page"].object_list]


def test_compliance_searches_the_whole_trail_newest_first(client_for, compliance, trail):
    response = client_for(compliance).get(reverse("audit:search"))
    assert response.status_code == 200
    assert ids_on_page(response) == [e.pk for e in reversed(trail.values())]
    assert "고객 확인 결과 본인 거래 아님" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"actor": "SENIOR"}, ["approved"]),
        ({"actor": "system:gateway"}, ["settled"]),
        ({"action": "cases.refund"}, ["settled", "approved"]),
        ({"action": "cases."}, ["settled", "approved", "confirmed"]),
        ({"target_type": "cases.refundrequest", "target_id": "3"}, ["settled", "approved"]),
        ({"target_type": "alerts.alert"}, ["escalated"]),
        ({"reason": "VICTIM"}, ["confirmed"]),
        ({"reason": "본인 거래"}, ["escalated"]),
        ({"action": "cases.refund", "actor": "analyst"}, []),
    ],
)
def test_search_filters(client_for, compliance, trail, query, expected):
    response = client_for(compliance).get(reverse("audit:search"), query)
    assert response.status_code == 200
    assert ids_on_page(response) == [trail[name].pk for name in expected]
    if not expected:
        assert "No audit events match these filters." in response.content.decode()


def test_date_range_uses_local_days(client_for, compliance, trail):
    today = timezone.localdate()
    client = client_for(compliance)
    assert (
        len(ids_on_page(client.get(reverse("audit:search"), {"occurred_from": today, "occurred_to": today})))
        == 4
    )
    tomorrow = today + timedelta(days=1)
    assert ids_on_page(client.get(reverse("audit:search"), {"occurred_from": tomorrow})) == []
    yesterday = today - timedelta(days=1)
    assert ids_on_page(client.get(reverse("audit:search"), {"occurred_to": yesterday})) == []


def test_bad_filters_are_refused_with_a_clear_error(client_for, compliance, trail):
    client = client_for(compliance)
    response = client.get(
        reverse("audit:search"), {"occurred_from": "2026-11-02", "occurred_to": "2026-11-01"}
    )
    assert response.status_code == 400
    assert "The start date is after the end date." in response.content.decode()
    response = client.get(reverse("audit:search"), {"target_type": "cases; drop table"})
    assert response.status_code == 400
    assert "Use app.model" in response.content.decode()
    assert client.get(reverse("audit:search"), {"occurred_from": "yesterday"}).status_code == 400


def test_search_is_paginated_and_keeps_the_filters(client_for, compliance, analyst):
    for n in range(55):
        record(
            action="alerts.alert.dismissed",
            target=("alerts.alert", str(n)),
            actor=analyst,
            reason="false positive",
        )
    record(action="alerts.alert.escalated", actor=analyst)
    client = client_for(compliance)
    first = client.get(reverse("audit:search"), {"action": "alerts.alert.dismissed"})
    assert first.context["page"].paginator.count == 55
    assert len(ids_on_page(first)) == 50
    assert "action=alerts.alert.dismissed&amp;page=2" in first.content.decode()
    second = client.get(reverse("audit:search"), {"action": "alerts.alert.dismissed", "page": 2})
    assert len(ids_on_page(second)) == 5
    assert set(ids_on_page(first)).isdisjoint(ids_on_page(second))


def test_who_may_open_the_audit_views(client_for, analyst, senior, employee, compliance, make_user):
    administrator = make_user("administrator")
    urls = [reverse("audit:search"), reverse("audit:object_timeline", args=["cases.case", "7"])]
    for url in urls:
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
        for user in (analyst, senior, employee):
            assert client_for(user).get(url).status_code == 403, (url, user)
        for user in (compliance, administrator):
            assert client_for(user).get(url).status_code == 200, (url, user)
            assert client_for(user).post(url).status_code == 405
    export = reverse("audit:export")
    assert Client().post(export).status_code == 302
    for user in (analyst, senior, employee):
        assert client_for(user).post(export).status_code == 403
    for user in (compliance, administrator):
        assert client_for(user).post(export).status_code == 200
        # An export writes an audit event: a link or a prefetch (GET) must not cause one.
        assert client_for(user).get(export).status_code == 405


def test_export_needs_its_own_permission(client_for, make_user, trail):
    viewer = make_user(None, "viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    client = client_for(User.objects.get(pk=viewer.pk))
    assert client.get(reverse("audit:search")).status_code == 200
    assert "Export CSV" not in client.get(reverse("audit:search")).content.decode()
    assert client.post(reverse("audit:export")).status_code == 403


def read_csv(response) -> list[dict[str, str]]:
    with pytest.warns(Warning, match="asynchronous iterators"):  # the test client is synchronous
        body = b"".join(response).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))


def test_export_streams_the_filtered_events_as_csv(client_for, compliance, trail):
    response = client_for(compliance).post(reverse("audit:export"), {"target_type": "cases.refundrequest"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-events-')
    rows = read_csv(response)
    assert [int(row["id"]) for row in rows] == [trail["approved"].pk, trail["settled"].pk]
    approved = rows[0]
    assert approved["actor"] == "senior"
    assert approved["action"] == "cases.refund.approved"
    assert approved["before"] == '{"status": "requested"}'
    assert approved["after"] == '{"status": "approved"}'
    assert approved["entry_hash"] == trail["approved"].entry_hash


def test_export_keeps_korean_text_and_model_details(client_for, compliance, trail):
    rows = read_csv(client_for(compliance).post(reverse("audit:export"), {"action": "alerts."}))
    assert rows[0]["reason"].startswith("고객 확인 결과")
    assert rows[0]["model_version"] == "fds-2026-11-01"
    assert float(rows[0]["score"]) == pytest.approx(0.934)


def test_export_is_itself_recorded(client_for, compliance, trail):
    client_for(compliance).post(reverse("audit:export"), {"actor": "senior"})
    exported = AuditEvent.objects.get(action="audit.events.exported")
    assert exported.actor_label == "compliance"
    assert exported.after == {"rows": 1}
    assert exported.context == {"filters": {"actor": "senior"}}


@pytest.mark.parametrize("payload", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"])
def test_export_defuses_spreadsheet_formulas(client_for, compliance, analyst, payload):
    record(action="cases.note.added", actor=analyst, reason=payload, after={"note": payload})
    rows = read_csv(client_for(compliance).post(reverse("audit:export"), {"action": "cases.note"}))
    assert rows[0]["reason"] == "'" + payload
    assert not rows[0]["after"].startswith(("=", "+", "-", "@"))


def test_csv_cell_leaves_ordinary_values_alone():
    assert csv_cell("approved after call") == "approved after call"
    assert csv_cell({"b": 1, "a": "가"}) == '{"a": "가", "b": 1}'
    assert csv_cell(None) == ""
    assert csv_cell("-") == "'-"


def test_bad_export_filters_are_refused_and_nothing_is_recorded(client_for, compliance, trail):
    response = client_for(compliance).post(reverse("audit:export"), {"occurred_from": "not a date"})
    assert response.status_code == 400
    assert "Invalid export filters" in response.content.decode()
    assert not AuditEvent.objects.filter(action="audit.events.exported").exists()


def test_object_timeline_shows_one_objects_history(client_for, compliance, trail):
    url = reverse("audit:object_timeline", args=["cases.refundrequest", "3"])
    response = client_for(compliance).get(url)
    assert response.status_code == 200
    assert [e.pk for e in response.context["events"]] == [trail["approved"].pk, trail["settled"].pk]
    html = response.content.decode()
    assert "four-eyes approval" in html
    assert "system:gateway" in html
    assert "victim called the branch" not in html  # another object's event


def test_object_timeline_refuses_malformed_types(client_for, compliance):
    assert (
        client_for(compliance).get(reverse("audit:object_timeline", args=["no-dots", "1"])).status_code == 404
    )


def test_timeline_partial_shows_actor_change_reason_model_and_score(trail):
    events = audit_events_for_object(target_type="alerts.alert", target_id="41")
    html = render_to_string("audit/_timeline.html", {"events": events})
    assert "alerts.alert.escalated" in html
    assert "analyst" in html
    assert "<del>claimed</del> → <ins>escalated</ins>" in html
    assert "<del>—</del> → <ins>7</ins>" in html  # a field the change added
    assert "고객 확인 결과 본인 거래 아님" in html
    assert "fds-2026-11-01" in html
    assert "0.934" in html


def test_timeline_partial_escapes_recorded_text(analyst):
    record(action="cases.note.added", actor=analyst, reason="<script>alert(1)</script>")
    html = render_to_string(
        "audit/_timeline.html", {"events": audit_events_for_object(target_type="cases.case", target_id="7")}
    )
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_timeline_partial_empty_state():
    assert "No audit events recorded for this object." in render_to_string(
        "audit/_timeline.html", {"events": []}
    )


@pytest.mark.parametrize("payload", [" =1+1", "  @SUM(A1)", "\r=1", "\n-1+1", "＝1+1"])
def test_attack_export_formulas_hidden_behind_whitespace_are_defused(
    client_for, compliance, analyst, payload
):
    record(action="cases.note.added", actor=analyst, reason=payload)
    rows = read_csv(client_for(compliance).post(reverse("audit:export"), {"action": "cases.note"}))
    assert rows[0]["reason"] == "'" + payload


def test_attack_a_cross_site_export_request_is_refused(compliance, trail):
    client = Client(enforce_csrf_checks=True)
    client.force_login(compliance)
    assert client.post(reverse("audit:export"), {"action": "cases."}).status_code == 403
    assert not AuditEvent.objects.filter(action="audit.events.exported").exists()
