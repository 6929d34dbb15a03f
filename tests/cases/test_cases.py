from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from alerts.models import Transaction
from audit.models import AuditEvent
from cases import calendar, services, sla, triage
from cases.errors import CaseActionRefused
from cases.evidence import case_evidence_add
from cases.models import Case, Evidence, FraudLabel
from cases.selectors import case_timeline
from tests.factories import alert_make

pytestmark = pytest.mark.django_db
SEOUL = ZoneInfo("Asia/Seoul")
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def case_with_alerts(actor, *amounts: int) -> Case:
    first = alert_make(amount=amounts[0])
    for amount in amounts[1:]:
        alert_make(customer=first.customer, amount=amount, status="attached", parent=first)
    triage.alert_escalate(alert_id=first.pk, actor=actor)
    return Case.objects.get(customer=first.customer)


def audit_count() -> int:
    return AuditEvent.objects.count()


# --- state machine -------------------------------------------------------------------------------


@pytest.fixture
def case(analyst, broadcasts) -> Case:
    return case_with_alerts(analyst, 300_000, 200_000)


@pytest.mark.parametrize(
    "attempt",
    [
        lambda c, u: services.case_decide(case_id=c.pk, actor=u, is_fraud=True, reason="r"),  # open → decided
        lambda c, u: services.case_close(case_id=c.pk, actor=u),  # open → closed
        lambda c, u: services.case_reopen(case_id=c.pk, actor=u, reason="r"),  # open → reopened
    ],
)
def test_illegal_transitions_from_open_are_refused_and_change_nothing(case, analyst, attempt):
    before = audit_count()
    with pytest.raises(CaseActionRefused):
        attempt(case, analyst)
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN and case.decided_by is None and case.closed_at is None
    assert audit_count() == before
    assert not Transaction.objects.filter(is_fraud__isnull=False).exists()


def test_full_lifecycle_and_illegal_moves_after_closing(case, analyst):
    services.case_start_investigation(case_id=case.pk, actor=analyst)
    with pytest.raises(CaseActionRefused):
        services.case_start_investigation(case_id=case.pk, actor=analyst)
    with pytest.raises(CaseActionRefused, match="reason"):
        services.case_decide(case_id=case.pk, actor=analyst, is_fraud=False, reason="  ")
    services.case_decide(case_id=case.pk, actor=analyst, is_fraud=False, reason="고객 본인 결제 확인")
    with pytest.raises(CaseActionRefused):
        services.case_decide(case_id=case.pk, actor=analyst, is_fraud=True, reason="changed my mind")
    services.case_close(case_id=case.pk, actor=analyst)
    before = audit_count()
    for attempt in (
        lambda: services.case_close(case_id=case.pk, actor=analyst),
        lambda: services.case_start_investigation(case_id=case.pk, actor=analyst),
        lambda: services.case_reopen(case_id=case.pk, actor=analyst, reason=""),
    ):
        with pytest.raises(CaseActionRefused):
            attempt()
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED and case.disposition == Case.Status.NOT_FRAUD
    assert audit_count() == before
    services.case_reopen(case_id=case.pk, actor=analyst, reason="고객이 재신고함")
    case.refresh_from_db()
    assert case.status == Case.Status.INVESTIGATING
    reopened = AuditEvent.objects.get(action="cases.case.reopened")
    assert reopened.reason == "고객이 재신고함" and reopened.before == {"status": "closed"}
    assert reopened.model_version == "fds-test-v1" and reopened.score == pytest.approx(0.93)


def test_status_field_is_protected(case):
    with pytest.raises(AttributeError):
        case.status = Case.Status.CLOSED


def test_compliance_reviewer_cannot_move_cases(case, compliance):
    with pytest.raises(CaseActionRefused):
        services.case_start_investigation(case_id=case.pk, actor=compliance)
    assert Case.objects.get(pk=case.pk).status == Case.Status.OPEN


def test_a_stale_copy_cannot_overwrite_a_concurrent_transition(case, analyst):
    """Two analysts loaded the case; the second save must not win (status-guarded UPDATE)."""
    from django_fsm import ConcurrentTransition

    stale = Case.objects.get(pk=case.pk)
    services.case_start_investigation(case_id=case.pk, actor=analyst)
    stale.start_investigation()
    with pytest.raises(ConcurrentTransition):
        stale.save()


# --- labels --------------------------------------------------------------------------------------


def test_disposition_labels_transactions_with_lineage(
    case, analyst, make_user, django_capture_on_commit_callbacks
):
    services.case_start_investigation(case_id=case.pk, actor=analyst)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_decide(case_id=case.pk, actor=analyst, is_fraud=True, reason="명의도용 확인")
    txs = list(Transaction.objects.filter(alert__case=case))
    assert len(txs) == 2
    for tx in txs:
        assert tx.is_fraud is True and tx.labelled_at is not None
        assert tx.label_source == f"case:{case.pk}:analyst"
        # merchant_label_record ran after commit: the late label now counts for merchant risk.
        assert tx.fraud_counted is True
    labels = FraudLabel.objects.filter(case=case)
    assert {(lab.transaction_id, lab.is_fraud, lab.labelled_by_id, lab.previous_value) for lab in labels} == {
        (tx.pk, True, analyst.pk, None) for tx in txs
    }
    # Reopened and decided the other way: the label flips, and the history keeps both decisions.
    services.case_reopen(case_id=case.pk, actor=analyst, reason="가맹점 정상 거래 확인")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_decide(case_id=case.pk, actor=analyst, is_fraud=False, reason="정상")
    assert set(Transaction.objects.filter(alert__case=case).values_list("is_fraud", flat=True)) == {False}
    assert FraudLabel.objects.filter(case=case).count() == 4
    assert set(
        FraudLabel.objects.filter(case=case, is_fraud=False).values_list("previous_value", flat=True)
    ) == {True}
    assert not Transaction.objects.filter(alert__case=case, fraud_counted=True).exists()


# --- notes, contacts, timeline -------------------------------------------------------------------


def test_timeline_tells_the_whole_story(case, analyst):
    services.case_start_investigation(case_id=case.pk, actor=analyst)
    services.case_note_add(case_id=case.pk, actor=analyst, body="고객에게 연락 시도")
    services.case_contact_record(
        case_id=case.pk, actor=analyst, channel="call_out", outcome="reached_fraud", summary="본인 거래 아님"
    )
    with pytest.raises(CaseActionRefused):
        services.case_note_add(case_id=case.pk, actor=analyst, body="   ")
    actions = [entry.action for entry in case_timeline(case=case)]
    assert actions[:2] == ["cases.case.opened", "alerts.alert.escalated"]
    assert actions[-3:] == ["cases.case.investigating", "cases.case.note_added", "cases.case.contact_logged"]
    assert actions.count("alerts.alert.escalated") == 2  # the attached alert joined too
    note = next(e for e in case_timeline(case=case) if e.action == "cases.case.note_added")
    assert note.detail["body"] == "고객에게 연락 시도" and note.actor == "analyst"


# --- evidence ------------------------------------------------------------------------------------


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("statement.pdf", PDF, "application/pdf"),
        ("screen.png", PNG, "image/png"),
        ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 32, "image/jpeg"),
        ("통화메모.txt", "고객 통화 내용: 본인 아님".encode(), "text/plain"),
        ("txs.csv", b"id,amount\nTX-1,7000\n", "text/csv"),
    ],
)
def test_allowed_evidence_is_stored_with_its_real_type(case, analyst, name, data, content_type):
    evidence = case_evidence_add(case_id=case.pk, actor=analyst, upload=upload(name, data))
    assert evidence.content_type == content_type and evidence.size == len(data)
    assert evidence.file.read() == data
    assert AuditEvent.objects.filter(action="cases.case.evidence_added", target_id=str(case.pk)).exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("invoice.pdf", b"MZ\x90\x00\x03" + b"\x00" * 64),  # a Windows executable named .pdf
        ("screen.pdf", PNG),  # content and name disagree
        ("page.html", b"<html><script>alert(1)</script></html>"),
        ("script.txt", b"\x00\x01\x02binary"),
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 32),
        ("empty.txt", b""),
    ],
)
def test_disallowed_evidence_is_refused(case, analyst, name, data):
    with pytest.raises(CaseActionRefused):
        case_evidence_add(case_id=case.pk, actor=analyst, upload=upload(name, data))
    assert not Evidence.objects.exists()


def test_evidence_over_10_mb_is_refused(case, analyst):
    big = upload("big.pdf", PDF + b"0" * (10 * 1024 * 1024))
    with pytest.raises(CaseActionRefused, match="10 MB"):
        case_evidence_add(case_id=case.pk, actor=analyst, upload=big)
    assert not Evidence.objects.exists()


def test_evidence_download_is_permission_checked(case, analyst, compliance, employee, client_for):
    evidence = case_evidence_add(case_id=case.pk, actor=analyst, upload=upload("a.pdf", PDF))
    url = f"/cases/evidence/{evidence.pk}/download/"
    assert client_for(employee).get(url).status_code == 403
    response = client_for(compliance).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf" and "attachment" in response["Content-Disposition"]
    assert client_for(compliance).get("/cases/evidence/999999/download/").status_code == 404


def test_evidence_upload_view(case, analyst, compliance, client_for):
    url = f"/cases/{case.pk}/evidence/"
    response = client_for(analyst).post(url, {"file": io.BytesIO(b"MZ\x90"), "description": "x"})
    assert response.status_code == 302  # form error: no file name
    fake = SimpleUploadedFile("fake.png", b"GIF89a....")
    client_for(analyst).post(url, {"file": fake})
    assert not Evidence.objects.exists()
    assert client_for(compliance).post(url, {"file": SimpleUploadedFile("a.pdf", PDF)}).status_code == 403
    client_for(analyst).post(url, {"file": SimpleUploadedFile("a.pdf", PDF)})
    assert Evidence.objects.count() == 1


# --- SLA -----------------------------------------------------------------------------------------


def test_sla_counts_korean_business_days():
    friday = datetime(2026, 11, 20, 15, 0, tzinfo=SEOUL)
    assert calendar.sla_deadline(reported_at=friday) == datetime(2026, 11, 25, 15, 0, tzinfo=SEOUL)
    # Chuseok 2026 (Sep 24–26) and the weekend are skipped.
    wednesday = datetime(2026, 9, 23, 9, 30, tzinfo=SEOUL)
    assert calendar.sla_deadline(reported_at=wednesday) == datetime(2026, 9, 30, 9, 30, tzinfo=SEOUL)


def test_sla_escalates_before_the_deadline_once(
    analyst, senior, broadcasts, django_capture_on_commit_callbacks
):
    senior.email = "senior@bank.example"
    senior.save()
    at_risk = case_with_alerts(analyst, 100_000)
    safe = case_with_alerts(analyst, 100_000)
    decided = case_with_alerts(analyst, 100_000)
    now = timezone.now()
    Case.objects.filter(pk__in=[at_risk.pk, decided.pk]).update(sla_due_at=now + timedelta(hours=5))
    Case.objects.filter(pk=safe.pk).update(sla_due_at=now + timedelta(days=2))
    services.case_start_investigation(case_id=decided.pk, actor=analyst)
    services.case_decide(case_id=decided.pk, actor=analyst, is_fraud=False, reason="정상")
    with django_capture_on_commit_callbacks(execute=True):
        assert sla.cases_sla_escalate(now=now) == [at_risk.pk]
    assert sla.cases_sla_escalate(now=now + timedelta(minutes=1)) == []
    at_risk.refresh_from_db()
    assert at_risk.sla_escalated_at == now
    event = AuditEvent.objects.get(action="cases.case.sla_escalated")
    assert event.target_id == str(at_risk.pk) and event.actor_label == "system:sla"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["senior@bank.example"]
    assert f"#{at_risk.pk}" in mail.outbox[0].subject


def test_case_page_shows_the_countdown(case, analyst, client_for):
    response = client_for(analyst).get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    assert (
        b'id="sla-countdown"' in response.content and case.sla_due_at.isoformat().encode() in response.content
    )


# --- pages ---------------------------------------------------------------------------------------


def test_case_list_search_filter_and_pages(analyst, compliance, employee, client_for, broadcasts):
    cases = [case_with_alerts(analyst, 10_000) for _ in range(27)]
    client = client_for(compliance)
    page1 = client.get("/cases/")
    assert page1.status_code == 200 and len(page1.context["rows"]) == 25
    assert len(client.get("/cases/?page=2").context["rows"]) == 2
    target = cases[3]
    found = client.get("/cases/", {"q": target.customer.external_id}).context["rows"]
    assert [c.pk for c, _ in found] == [target.pk]
    assert [c.pk for c, _ in client.get("/cases/", {"q": f"#{target.pk}"}).context["rows"]] == [target.pk]
    services.case_start_investigation(case_id=target.pk, actor=analyst)
    assert [c.pk for c, _ in client.get("/cases/", {"status": "investigating"}).context["rows"]] == [
        target.pk
    ]
    assert client_for(employee).get("/cases/").status_code == 403
    assert client.post("/cases/").status_code == 405


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("start/", {}),
        ("decide/", {"decision": "fraud", "reason": "x"}),
        ("close/", {}),
        ("reopen/", {"reason": "x"}),
        ("notes/", {"body": "x"}),
        ("contacts/", {"channel": "call_out", "outcome": "no_answer"}),
        ("refunds/", {"amount": 1000, "account": 1}),
    ],
)
def test_case_writes_are_forbidden_to_compliance_and_employees(
    case, compliance, employee, client_for, path, data
):
    before = audit_count()
    for user in (compliance, employee):
        assert client_for(user).post(f"/cases/{case.pk}/{path}", data).status_code == 403
    assert audit_count() == before


def test_case_actions_through_the_page(case, analyst, client_for):
    client = client_for(analyst)
    assert client.post(f"/cases/{case.pk}/start/").status_code == 302
    response = client.post(f"/cases/{case.pk}/start/", follow=True)
    assert "cannot be moved" in response.content.decode()
    client.post(f"/cases/{case.pk}/notes/", {"body": "메모 남김"})
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "메모 남김" in page and 'data-action="cases.case.note_added"' in page
    assert client.get("/cases/999999/").status_code == 404
    assert client.post("/cases/999999/start/").status_code == 404
