"""The app against the real engine: bootstrap from the generated corpus, scoring, the commands.

The model is trained once per test session on a tiny corpus (one message per template).
"""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEvent
from smishing import intake, model_versions, scoring
from smishing.models import SmishingModelVersion, Submission

SMISHING = "[국민건강보험] 건강검진 결과 통보서가 도착했습니다. 확인 http://nhis-kr.xyz/check"
NORMAL = "[Web발신] 인증번호 [482913]를 입력해주세요. 타인에게 절대 알려주지 마세요."


@pytest.fixture
def real_model(db, tiny_artifact, settings) -> SmishingModelVersion:
    settings.FDS_SMISHING_CORPUS_PER_TEMPLATE = 1
    model_versions._active_model.clear()
    return SmishingModelVersion.objects.create(name="tiny", artifact=tiny_artifact, is_active=True)


def test_real_model_scores_a_smishing_text_with_grounded_reasons(employee, real_model, submit):
    submission = submit(employee, SMISHING)
    assert submission.status == Submission.Status.DONE
    assert submission.model_version == real_model
    assert submission.reasons, "a smishing verdict comes with reasons"
    for reason in submission.reasons:
        assert reason["evidence"]
        for span in reason["evidence"]:
            assert submission.text[span["start"] : span["end"]] == span["text"]
    assert submission.indicators.filter(kind="url", normalized__contains="nhis-kr.xyz").exists()


def test_scoring_batches_pending_submissions_in_one_predict(employee, real_model, monkeypatch):
    from smishing import tasks

    monkeypatch.setattr(tasks.submission_score, "delay", lambda *a: None)
    ids = [
        intake.submission_create(user=employee, text=t, consent=False).pk
        for t in (SMISHING, NORMAL, SMISHING)
    ]
    calls: list[int] = []
    _vid, _name, model = model_versions.model_active_get()
    real_predict = model.predict

    def counting_predict(texts):
        calls.append(len(texts))
        return real_predict(texts)

    monkeypatch.setattr(model, "predict", counting_predict)
    assert sorted(scoring.submissions_score(submission_ids=[ids[0]])) == ids
    assert calls == [3]
    # A redelivered task finds nothing left to do.
    assert scoring.submissions_score(submission_ids=[ids[0]]) == []


@pytest.fixture
def quick_train(monkeypatch, tiny_artifact):
    """`train` answers with the session's tiny model: these tests are about what the app does with a
    trained model (store, activate, audit), and training itself is the engine's (tested there)."""
    from smishing.engine import SmishingModel, training

    calls: list[dict] = []

    def fake_train(texts, labels, **kwargs):
        calls.append({"texts": list(texts), "weights": kwargs.get("weights")})
        return SmishingModel.loads(tiny_artifact), {"rows": len(texts), "n_train": len(texts)}

    monkeypatch.setattr(training, "train", fake_train)
    return calls


def test_first_use_without_a_model_bootstraps_one(employee, submit, settings, quick_train):
    settings.FDS_SMISHING_CORPUS_PER_TEMPLATE = 1
    model_versions._active_model.clear()
    submission = submit(employee, NORMAL)
    version = SmishingModelVersion.objects.get(is_active=True)
    assert submission.model_version == version and version.metrics["held_out"]["n"] > 0
    assert AuditEvent.objects.filter(action="smishing.model.activated", target_id=str(version.pk)).exists()
    call_command("smishing_bootstrap", stdout=StringIO())  # an active model exists: nothing trained
    assert SmishingModelVersion.objects.count() == 1 and len(quick_train) == 1


def _csv(tmp_path: Path, rows: list[tuple[str, str]]) -> str:
    path = tmp_path / "data.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return str(path)


def test_eval_command_prints_one_json_object(real_model, tmp_path):
    out = StringIO()
    call_command(
        "smishing_eval", "--data", _csv(tmp_path, [(SMISHING, "smishing"), (NORMAL, "normal")]), stdout=out
    )
    report = json.loads(out.getvalue())
    for key in (
        "accuracy",
        "macro_f1",
        "per_class",
        "smishing_recall",
        "risky_recall",
        "false_alarm_rate",
        "grounding_rate",
        "ece",
        "confusion",
    ):
        assert key in report
    assert set(report["per_class"]["smishing"]) >= {"precision", "recall", "f1"}
    # The confusion matrix counts every row once, true label → predicted label.
    assert set(report["confusion"]) == {"smishing", "normal"}
    assert sum(sum(row.values()) for row in report["confusion"].values()) == 2
    assert sum(report["confusion"]["smishing"].values()) == 1
    with pytest.raises(CommandError, match="no model named"):
        call_command("smishing_eval", "--data", _csv(tmp_path, [(NORMAL, "normal")]), "--model", "nope")


def test_check_command_prints_the_verdict_json(real_model):
    out = StringIO()
    call_command("smishing_check", SMISHING + " 주민번호 900101-1234567", stdout=out)
    verdict = json.loads(out.getvalue())
    assert verdict["label"] in {"smishing", "spam", "ad", "normal", "unknown"}
    assert "900101-1234567" not in out.getvalue()
    abusive = StringIO()
    call_command("smishing_check", "씨발", stdout=abusive)
    assert json.loads(abusive.getvalue())["abusive"] is True


def test_train_command_validates_labels_and_stores_a_version(real_model, tmp_path, quick_train):
    with pytest.raises(CommandError, match="not one of"):
        call_command("smishing_train", "--data", _csv(tmp_path, [(SMISHING, "phishy")]), stdout=StringIO())
    assert SmishingModelVersion.objects.count() == 1
    from smishing.engine import generate_corpus

    rows = [(e.text, e.label) for e in generate_corpus(seed=1, per_template=1)][:120]
    out = StringIO()
    call_command("smishing_train", "--data", _csv(tmp_path, rows), "--name", "bank-history", stdout=out)
    assert json.loads(out.getvalue())["model"] == "bank-history"
    stored = SmishingModelVersion.objects.get(name="bank-history")
    assert not stored.is_active  # an active model existed; --activate was not given
    # The bank's rows train together with the generated corpus, weighted over it.
    (call,) = quick_train
    assert len(call["texts"]) > len(rows)
    assert call["texts"][-len(rows) :] == [text for text, _label in rows]
    generated, bank = call["weights"][: -len(rows)], call["weights"][-len(rows) :]
    assert min(bank) > max(generated)
