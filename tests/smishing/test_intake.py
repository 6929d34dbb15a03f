from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse

from audit.models import AuditEvent
from smishing import intake, labelling, retraining, selectors, tasks
from smishing.engine import ABUSE_REPLY_KO
from smishing.models import ConsentText, Submission

RRN = "900101-1234567"
CARD = "4111-1111-1111-1111"


def _text_columns_contain(needle: str) -> list[str]:
    """Every text-like column of every smishing table that holds `needle` (with or without hyphens)."""
    needles = {needle, needle.replace("-", "")}
    hits = []
    for model in apps.get_app_config("smishing").get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(
                field, models.CharField | models.TextField | models.JSONField | models.BinaryField
            ):
                continue
            for value in model._default_manager.values_list(field.attname, flat=True):
                if value is None:
                    continue
                as_text = (
                    bytes(value).decode("latin-1")
                    if isinstance(value, bytes | memoryview)
                    else json.dumps(value, ensure_ascii=False)
                    if not isinstance(value, str)
                    else value
                )
                if any(n in as_text for n in needles):
                    hits.append(f"{model.__name__}.{field.name}")
    return hits


def test_resident_registration_number_is_never_stored_in_clear(
    employee, fake_model, submit, monkeypatch, caplog
):
    sent: list[tuple] = []
    real_delay = tasks.submission_score.delay

    def recording_delay(*a, **k):
        sent.append(a)
        return real_delay(*a, **k)

    monkeypatch.setattr(tasks.submission_score, "delay", recording_delay)
    text = f"본인 확인: 주민번호 {RRN} 카드 {CARD} 로 조회됨 http://bit.ly/abc"
    submission = submit(employee, text, consent=True)

    assert submission.status == Submission.Status.DONE
    assert RRN not in submission.text and RRN.replace("-", "") not in submission.text
    assert "http://bit.ly/abc" in submission.text  # the scammer's link is kept
    assert _text_columns_contain(RRN) == []
    assert _text_columns_contain(CARD) == []
    for event in AuditEvent.objects.all():
        assert RRN not in json.dumps(
            [event.before, event.after, event.context, event.reason], ensure_ascii=False
        )
    assert sent == [(submission.pk,)]  # the Celery message carries the id only
    assert RRN not in caplog.text


def test_abusive_input_gets_the_fixed_reply_and_is_never_queued_or_trained(
    employee, analyst, senior, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    queued: list[tuple] = []
    monkeypatch.setattr(tasks.submission_score, "delay", lambda *a, **k: queued.append(a))
    client = client_for(employee)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("smishing:submit"), {"text": "야 이 씨발 새끼야 http://bit.ly/x", "consent": "on"}
        )
    submission = Submission.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("smishing:detail", args=[submission.pk]))
    assert ABUSE_REPLY_KO in page.content.decode()
    assert submission.is_abusive and submission.status == Submission.Status.REFUSED
    assert submission.text == "" and not submission.consent_given
    assert queued == []

    # An analyst cannot label it, and it never enters a training set.
    with pytest.raises(intake.SubmissionInvalid):
        labelling.submission_label(submission_id=submission.pk, label="smishing", actor=analyst)
    training_set = retraining.training_set_create(actor=senior)
    assert training_set.size == 0
    assert not selectors.submissions_trainable().filter(pk=submission.pk).exists()


def test_each_submission_records_the_consent_version_it_agreed_to(employee, fake_model, submit):
    first = submit(employee, "택배 주소 확인 http://a.example/x", consent=True)
    ConsentText.objects.create(version="2027-01-v2", text_ko="새 동의", text_en="new consent")
    second = submit(employee, "택배 주소 확인 http://a.example/y", consent=True)
    declined = submit(employee, "택배 주소 확인 http://a.example/z", consent=False)
    assert first.consent_text.version == "2026-11-v1"
    assert second.consent_text.version == "2027-01-v2"
    assert declined.consent_text is None and not declined.consent_given


def test_stale_consent_version_is_refused_and_nothing_is_stored(employee):
    with pytest.raises(intake.SubmissionInvalid):
        intake.submission_create(user=employee, text="hello there", consent=True, consent_version="old")
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "   "}, "Paste the text"),
        ({"text": "x" * 2001}, "longer than"),
        ({"text": "hi", "sender": "<b>"}, "sender"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(employee, client_for, data, message):
    response = client_for(employee).post(reverse("smishing:submit"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Submission.objects.exists()


def test_intake_page_needs_the_permission_and_the_right_method(make_user, employee, client_for):
    nobody = make_user(None)
    assert client_for(nobody).get(reverse("smishing:submit")).status_code == 403
    assert client_for(employee).put(reverse("smishing:submit")).status_code == 405
    assert client_for(employee).get(reverse("smishing:submit")).status_code == 200


def test_page_intake_is_rate_limited_per_user(employee, make_user, client_for, settings, monkeypatch):
    settings.FDS_SMISHING_RATE_PER_MINUTE = 2
    monkeypatch.setattr(tasks.submission_score, "delay", lambda *a, **k: None)
    client = client_for(employee)
    for _ in range(2):
        assert client.post(reverse("smishing:submit"), {"text": "안녕하세요"}).status_code == 302
    limited = client.post(reverse("smishing:submit"), {"text": "안녕하세요"})
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert Submission.objects.count() == 2
    other = make_user("employee")
    assert client_for(other).post(reverse("smishing:submit"), {"text": "안녕하세요"}).status_code == 302


def test_a_row_abandoned_by_a_dead_worker_is_scored_by_the_next_sweep(employee, fake_model, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    monkeypatch.setattr(tasks.submission_score, "delay", lambda *a: None)
    abandoned = intake.submission_create(user=employee, text="택배 확인 http://a.example/1", consent=False)
    busy = intake.submission_create(user=employee, text="택배 확인 http://a.example/2", consent=False)
    long_ago = timezone.now() - timedelta(minutes=10)
    Submission.objects.filter(pk=abandoned.pk).update(
        status="analysing", claim_token="dead", claimed_at=long_ago
    )
    Submission.objects.filter(pk=busy.pk).update(
        status="analysing", claim_token="alive", claimed_at=timezone.now()
    )

    assert tasks.submissions_score_stale() == [abandoned.pk]
    assert Submission.objects.get(pk=abandoned.pk).status == "done"
    assert Submission.objects.get(pk=busy.pk).status == "analysing"  # another worker is on it
