from __future__ import annotations

import threading

import pytest
from django.db import connection

from audit.models import AuditEvent
from audit.services import audit_chain_verify
from smishing import intake, scoring, tasks

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_scorers_score_each_submission_exactly_once(employee, fake_model, monkeypatch):
    monkeypatch.setattr(tasks.submission_score, "delay", lambda *a: None)
    ids = [
        intake.submission_create(
            user=employee, text=f"택배 주소 확인 http://a{i}.example/x", consent=False
        ).pk
        for i in range(30)
    ]
    results: list[list[int]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def scorer(start: int) -> None:
        try:
            barrier.wait()
            results.append(scoring.submissions_score(submission_ids=ids[start::3], batch_size=7))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scorer, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    scored = [pk for batch in results for pk in batch]
    assert len(scored) == len(set(scored))
    # Whatever the three did not reach, a sweep finishes; nothing is scored twice.
    scored += scoring.submissions_score_stale()
    while leftover := scoring.submissions_score(submission_ids=[]):
        scored += leftover
    assert sorted(scored) == sorted(ids)
    assert AuditEvent.objects.filter(action="smishing.submission.scored").count() == len(ids)
    assert audit_chain_verify()[1] == []
