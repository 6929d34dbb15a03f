"""Importing historical reports: queued by uncertainty, never trained on before an analyst labels
them, and only when the import allowed training (recorded on the audit trail)."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEvent
from smishing import labelling, retraining, selectors
from smishing.models import Submission, SubmissionImport


def _file(tmp_path: Path, texts: list[str], name: str = "history.csv") -> str:
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text"])
        writer.writerows([t] for t in texts)
    return str(path)


HISTORY = [
    "택배 주소 오류 http://cj-post.top/a 확인 바랍니다",  # the fake model calls links smishing
    "애매한 문자 http://maybe.example/x",  # "애매": a close call, so the top of the queue
    "오늘 저녁 회의 7시로 변경되었습니다",
    "씨발 사기꾼아",  # abusive: counted, never stored
]


def _import(tmp_path: Path, user, capture, *, allow: bool, name: str = "history.csv") -> SubmissionImport:
    out = StringIO()
    flag = "--training-allowed" if allow else "--no-training"
    with capture(execute=True):
        call_command(
            "smishing_import",
            "--data",
            _file(tmp_path, HISTORY, name),
            "--user",
            user.username,
            flag,
            stdout=out,
        )
    return SubmissionImport.objects.get(pk=json.loads(out.getvalue())["import"])


def test_import_scores_reports_into_the_queue_closest_calls_first(
    tmp_path, analyst, fake_model, django_capture_on_commit_callbacks
):
    batch = _import(tmp_path, analyst, django_capture_on_commit_callbacks, allow=True)
    assert batch.rows == 3 and batch.refused_abusive == 1
    rows = Submission.objects.filter(import_batch=batch)
    assert rows.count() == 3 and all(r.status == Submission.Status.DONE for r in rows)
    assert not rows.filter(text__contains="씨발").exists()
    queue = list(selectors.labelling_queue().filter(import_batch=batch))
    assert len(queue) == 3 and "애매" in queue[0].text
    event = AuditEvent.objects.get(action="smishing.import.created", target_id=str(batch.pk))
    assert event.after["training_allowed"] is True and event.after["rows"] == 3


def test_imported_reports_train_only_once_labelled_and_only_if_the_import_allowed_it(
    tmp_path, analyst, senior, fake_model, django_capture_on_commit_callbacks
):
    allowed = _import(tmp_path, analyst, django_capture_on_commit_callbacks, allow=True, name="a.csv")
    forbidden = _import(tmp_path, analyst, django_capture_on_commit_callbacks, allow=False, name="b.csv")
    assert retraining.training_set_create(actor=senior).size == 0, "nothing labelled yet: nothing trains"

    for batch in (allowed, forbidden):
        for row in Submission.objects.filter(import_batch=batch):
            labelling.submission_label(submission_id=row.pk, label="smishing", actor=analyst)
    training_set = retraining.training_set_create(actor=senior)
    trained = set(training_set.items.values_list("submission_id", flat=True))
    assert trained == set(Submission.objects.filter(import_batch=allowed).values_list("pk", flat=True))
    assert not trained & set(Submission.objects.filter(import_batch=forbidden).values_list("pk", flat=True))
    no_training = AuditEvent.objects.get(action="smishing.import.created", target_id=str(forbidden.pk))
    assert no_training.after["training_allowed"] is False


def test_the_import_must_say_whether_it_may_train_and_bad_files_change_nothing(tmp_path, analyst, fake_model):
    with pytest.raises(CommandError):
        call_command("smishing_import", "--data", _file(tmp_path, HISTORY), "--user", analyst.username)
    with pytest.raises(CommandError, match="empty text"):
        call_command(
            "smishing_import",
            "--data",
            _file(tmp_path, ["정상 문자", "  "]),
            "--user",
            analyst.username,
            "--no-training",
        )
    with pytest.raises(CommandError, match="no active user"):
        call_command(
            "smishing_import", "--data", _file(tmp_path, HISTORY), "--user", "nobody", "--no-training"
        )
    assert not SubmissionImport.objects.exists() and not Submission.objects.exists()
