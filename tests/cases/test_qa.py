from __future__ import annotations

import pytest
from django.test import override_settings

from audit.models import AuditEvent
from cases import qa, triage
from cases.errors import CaseActionRefused
from cases.models import QaReview
from tests.factories import alert_make

pytestmark = pytest.mark.django_db


@override_settings(FDS_QA_SAMPLE_RATE=0.25)
def test_a_configured_share_of_dismissals_is_sampled(analyst, broadcasts):
    alerts = [alert_make(amount=1000 + i) for i in range(160)]
    result = triage.alerts_bulk(
        action="dismiss", alert_ids=[a.pk for a in alerts], actor=analyst, reason_code="known_pattern"
    )
    assert len(result.done) == 160
    sampled = QaReview.objects.count()
    assert 0.15 * 160 <= sampled <= 0.35 * 160
    # The draw is repeatable: exactly the alerts the keyed hash selects.
    assert set(QaReview.objects.values_list("alert_id", flat=True)) == {
        a.pk for a in alerts if qa.qa_sampled(alert_id=a.pk)
    }
    assert AuditEvent.objects.filter(action="cases.qa.sampled").count() == sampled


@override_settings(FDS_QA_SAMPLE_RATE=0.0)
def test_rate_zero_samples_nothing(analyst, broadcasts):
    alert = alert_make()
    triage.alert_dismiss(alert_id=alert.pk, actor=analyst, reason_code="duplicate")
    assert not QaReview.objects.exists()


@pytest.fixture
def review(analyst, broadcasts) -> QaReview:
    with override_settings(FDS_QA_SAMPLE_RATE=1.0):
        alert = alert_make()
        triage.alert_dismiss(alert_id=alert.pk, actor=analyst, reason_code="customer_confirmed")
    return QaReview.objects.get(alert=alert)


def test_compliance_records_one_review(review, compliance, analyst):
    with pytest.raises(CaseActionRefused):
        qa.qa_review_record(review_id=review.pk, actor=analyst, outcome="agree")
    with pytest.raises(CaseActionRefused, match="Explain"):
        qa.qa_review_record(review_id=review.pk, actor=compliance, outcome="disagree")
    qa.qa_review_record(review_id=review.pk, actor=compliance, outcome="disagree", comment="금액 패턴 재검토")
    with pytest.raises(CaseActionRefused, match="already"):
        qa.qa_review_record(review_id=review.pk, actor=compliance, outcome="agree")
    review.refresh_from_db()
    assert review.outcome == "disagree" and review.reviewed_by == compliance
    event = AuditEvent.objects.get(action="cases.qa.reviewed")
    assert event.actor == compliance and event.reason == "금액 패턴 재검토"


def test_qa_pages(review, compliance, analyst, employee, client_for):
    client = client_for(compliance)
    page = client.get("/cases/qa/")
    assert page.status_code == 200 and [r.pk for r in page.context["page"].object_list] == [review.pk]
    for user in (analyst, employee):
        assert client_for(user).get("/cases/qa/").status_code == 403
        assert client_for(user).post(f"/cases/qa/{review.pk}/", {"outcome": "agree"}).status_code == 403
    assert client.get(f"/cases/qa/{review.pk}/").status_code == 405
    assert client.post("/cases/qa/999999/", {"outcome": "agree"}).status_code == 404
    assert client.post(f"/cases/qa/{review.pk}/", {"outcome": "bogus"}).status_code == 302
    assert QaReview.objects.get(pk=review.pk).reviewed_at is None
    client.post(f"/cases/qa/{review.pk}/", {"outcome": "agree"})
    assert QaReview.objects.get(pk=review.pk).outcome == "agree"
    assert client.get("/cases/qa/?reviewed=1").context["page"].object_list[0].pk == review.pk
