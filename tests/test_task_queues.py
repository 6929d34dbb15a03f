"""Smishing work runs on its own queue, so fraud scoring never waits behind a slow message."""

from __future__ import annotations

from fdsportal.celery import app


def _queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def test_every_smishing_task_is_routed_to_the_smishing_queue_and_fds_scoring_is_not() -> None:
    app.loader.import_default_modules()
    smishing = [name for name in app.tasks if name.startswith("smishing.")]
    assert "smishing.tasks.submission_score" in smishing
    assert {_queue_of(name) for name in smishing} == {"smishing"}
    assert _queue_of("alerts.tasks.transactions_score_task") == "celery"


def test_the_launcher_starts_a_worker_for_each_queue() -> None:
    from pathlib import Path

    launcher = (Path(__file__).resolve().parent.parent / "run.py").read_text(encoding="utf-8")
    assert 'queues="celery"' in launcher
    assert 'queues="smishing"' in launcher
