from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from smishing import labelling, retraining
from smishing.models import RetrainJob, SmishingModelVersion, Submission, TrainingSet
from tests.smishing.conftest import NORMAL_TEXT, SMISHING_TEXT


@pytest.fixture
def labelled(employee, analyst, fake_model, submit):
    consented = submit(employee, SMISHING_TEXT + " 동의함", consent=True)
    private = submit(employee, "비공개 문자 PRIVATE-MARKER http://secret.example/", consent=False)
    unlabelled = submit(employee, NORMAL_TEXT, consent=True)
    for submission in (consented, private):
        labelling.submission_label(submission_id=submission.pk, label="smishing", actor=analyst)
    return consented, private, unlabelled


def test_non_consented_messages_never_appear_in_a_training_set_or_export(labelled, senior, client_for):
    consented, private, unlabelled = labelled
    training_set = retraining.training_set_create(actor=senior)
    assert list(training_set.items.values_list("submission_id", flat=True)) == [consented.pk]

    response = client_for(senior).get(reverse("smishing:training_set_export", args=[training_set.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["text", "label"]
    assert rows[1:] == [[consented.text, "smishing"]]
    assert "PRIVATE-MARKER" not in response.content.decode()
    assert AuditEvent.objects.filter(action="smishing.trainingset.exported").count() == 1


def test_export_refilters_consent_even_if_an_item_slipped_in(labelled, senior):
    consented, private, _ = labelled
    training_set = retraining.training_set_create(actor=senior)
    training_set.items.create(submission=private, label="smishing")  # a buggy writer
    text = retraining.training_set_export_csv(training_set=training_set, actor=senior)
    assert "PRIVATE-MARKER" not in text


def test_training_sets_are_versioned_hashed_and_not_duplicated(labelled, senior, analyst):
    first = retraining.training_set_create(actor=senior)
    again = retraining.training_set_create(actor=senior)
    assert again.pk == first.pk and TrainingSet.objects.count() == 1
    labelling.submission_label(submission_id=labelled[2].pk, label="normal", actor=analyst)
    second = retraining.training_set_create(actor=senior)
    assert second.version == first.version + 1 and second.size == 2
    assert second.content_hash != first.content_hash


def test_training_set_export_needs_retrain_permission(labelled, senior, analyst, compliance, client_for):
    training_set = retraining.training_set_create(actor=senior)
    url = reverse("smishing:training_set_export", args=[training_set.pk])
    assert client_for(analyst).get(url).status_code == 403
    assert client_for(compliance).get(url).status_code == 403


def test_activation_rule():
    base = {"macro_f1": 0.80, "smishing_recall": 0.90}
    assert retraining.model_is_not_worse(candidate={"macro_f1": 0.80, "smishing_recall": 0.90}, baseline=base)
    assert retraining.model_is_not_worse(candidate={"macro_f1": 0.85, "smishing_recall": 0.95}, baseline=base)
    assert not retraining.model_is_not_worse(
        candidate={"macro_f1": 0.79, "smishing_recall": 0.99}, baseline=base
    )
    assert not retraining.model_is_not_worse(
        candidate={"macro_f1": 0.90, "smishing_recall": 0.89}, baseline=base
    )
    assert retraining.model_is_not_worse(candidate={"macro_f1": 0.1, "smishing_recall": 0.1}, baseline=None)


class _TinyModel:
    version = "tiny"

    def dumps(self) -> bytes:
        return b"tiny-model"


@pytest.fixture
def scripted_training(monkeypatch):
    """Training and evaluation replaced by a script: the candidate scores `candidate`, the active
    model `baseline`. What is tested is the job's bookkeeping and the activation decision."""
    from smishing.engine import Example

    script: dict = {}
    corpus = [Example(f"text {i}", "smishing" if i % 2 else "normal", f"t{i % 4}", "x") for i in range(8)]
    from smishing.engine import training

    monkeypatch.setattr(training, "generate_corpus", lambda **kw: corpus)
    monkeypatch.setattr(training, "split_by_template", lambda examples, **kw: (examples[:6], examples[6:]))

    def fake_train(
        texts, labels, *, groups=None, weights=None, calibrate_on=None, seed=0, progress=None, config=None
    ):
        script["trained_on"] = list(zip(texts, labels, strict=True))
        script["weights"] = list(weights or [])
        script["calibrate_on"] = list(calibrate_on or [])
        if progress:
            progress(0.5, "half way")
        return _TinyModel(), {"rows": len(texts), "n_train": len(texts)}

    monkeypatch.setattr(training, "train", fake_train)
    monkeypatch.setattr(
        retraining,
        "evaluate",
        lambda model, texts, labels: (
            script["candidate"] if isinstance(model, _TinyModel) else script["baseline"]
        ),
    )
    monkeypatch.setattr(retraining.SmishingModel, "loads", staticmethod(lambda data: object()))
    return script


def _run(senior, django_capture_on_commit_callbacks) -> RetrainJob:
    with django_capture_on_commit_callbacks(execute=True):
        job = retraining.retrain_job_start(actor=senior)
    return RetrainJob.objects.get(pk=job.pk)


def test_retrained_model_not_worse_becomes_active(
    labelled, senior, scripted_training, django_capture_on_commit_callbacks
):
    old = SmishingModelVersion.objects.get(is_active=True)
    scripted_training["baseline"] = {"macro_f1": 0.8, "smishing_recall": 0.9}
    scripted_training["candidate"] = {"macro_f1": 0.8, "smishing_recall": 0.9}
    job = _run(senior, django_capture_on_commit_callbacks)
    assert job.status == "succeeded" and job.outcome == "activated" and job.progress == 1.0
    assert SmishingModelVersion.objects.get(is_active=True) == job.model_version != old
    # It trained on the corpus plus the consented labelled report only, the report weighted over the
    # generated messages and used for calibration.
    trained_texts = [text for text, _label in scripted_training["trained_on"]]
    assert labelled[0].text in trained_texts and labelled[1].text not in trained_texts
    report_row = trained_texts.index(labelled[0].text)
    assert scripted_training["weights"][report_row] > max(scripted_training["weights"][:6])
    assert scripted_training["calibrate_on"][report_row] and not any(scripted_training["calibrate_on"][:6])
    event = AuditEvent.objects.get(action="smishing.model.activated", target_id=str(job.model_version_id))
    assert event.actor == senior and event.after == {"active": job.model_version.name}


def test_worse_model_waits_for_approval_which_is_audited(
    labelled, senior, analyst, scripted_training, django_capture_on_commit_callbacks, client_for
):
    old = SmishingModelVersion.objects.get(is_active=True)
    scripted_training["baseline"] = {"macro_f1": 0.8, "smishing_recall": 0.9}
    scripted_training["candidate"] = {"macro_f1": 0.85, "smishing_recall": 0.8}
    job = _run(senior, django_capture_on_commit_callbacks)
    assert job.outcome == "awaiting_approval"
    assert SmishingModelVersion.objects.get(is_active=True) == old
    assert AuditEvent.objects.filter(action="smishing.model.held_for_approval").count() == 1

    url = reverse("smishing:retrain_approve", args=[job.pk])
    assert client_for(analyst).post(url, {"reason": "x"}).status_code == 403
    client_for(senior).post(url, {"reason": ""})  # a reason is required
    assert SmishingModelVersion.objects.get(is_active=True) == old
    client_for(senior).post(url, {"reason": "new fraud wave needs the new patterns"})
    client_for(senior).post(url, {"reason": "again"})  # a repeat changes nothing
    assert SmishingModelVersion.objects.get(is_active=True) == job.model_version
    assert AuditEvent.objects.filter(action="smishing.model.approved").count() == 1
    assert (
        AuditEvent.objects.filter(
            action="smishing.model.activated", target_id=str(job.model_version_id)
        ).count()
        == 1
    )


def test_retrain_job_page_shows_progress_and_report(
    labelled, senior, scripted_training, django_capture_on_commit_callbacks, client_for
):
    scripted_training["baseline"] = scripted_training["candidate"] = {"macro_f1": 0.8, "smishing_recall": 0.9}
    job = _run(senior, django_capture_on_commit_callbacks)
    html = client_for(senior).get(reverse("smishing:retrain_job", args=[job.pk])).content.decode()
    assert 'data-ws="/ws/smishing/retrain/' in html and "100" in html
    assert client_for(senior).get(reverse("smishing:models")).status_code == 200


def test_only_retrainers_may_retrain(analyst, client_for):
    assert client_for(analyst).post(reverse("smishing:retrain_start")).status_code == 403
    assert not RetrainJob.objects.exists()


def test_unlabelled_and_unknown_are_not_training_data(employee, analyst, senior, fake_model, submit):
    unknown = submit(employee, "애매 ?", consent=True)
    labelling.submission_label(submission_id=unknown.pk, label="unknown", actor=analyst)
    assert retraining.training_set_create(actor=senior).size == 0
    assert Submission.objects.count() == 1


def test_a_second_retraining_waits_for_the_running_one(senior, client_for):
    RetrainJob.objects.create(created_by=senior, status="running")
    response = client_for(senior).post(reverse("smishing:retrain_start"))
    assert response.status_code == 302 and response["Location"] == reverse("smishing:models")
    assert RetrainJob.objects.count() == 1
