from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from smishing import intake, scoring
from smishing.routing import websocket_urlpatterns
from tests.smishing.conftest import SMISHING_TEXT

pytestmark = pytest.mark.django_db(transaction=True)


def _communicator(user, path: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
    communicator.scope["user"] = user
    return communicator


async def test_owner_gets_the_current_state_on_connect_and_then_the_verdict(
    employee, fake_model, monkeypatch
):
    from smishing import tasks

    monkeypatch.setattr(tasks.submission_score, "delay", lambda *a: None)  # score by hand below
    submission = await sync_to_async(intake.submission_create)(
        user=employee, text=SMISHING_TEXT, consent=False
    )
    owner = _communicator(employee, f"/ws/smishing/submissions/{submission.pk}/")
    connected, _ = await owner.connect(timeout=10)
    assert connected
    first = await owner.receive_json_from(timeout=3)
    assert first["status"] == "queued" and 'data-testid="progress"' in first["html"]

    await sync_to_async(scoring.submissions_score)(submission_ids=[submission.pk])
    states = [(await owner.receive_json_from(timeout=3))["status"] for _ in range(2)]
    assert states == ["analysing", "done"]
    await owner.disconnect()


async def test_websocket_refuses_anyone_but_the_owner(make_user, employee, analyst, fake_model, monkeypatch):
    from smishing import tasks

    monkeypatch.setattr(tasks.submission_score, "delay", lambda *a: None)
    submission = await sync_to_async(intake.submission_create)(
        user=employee, text=SMISHING_TEXT, consent=False
    )
    other = await sync_to_async(make_user)("employee")
    for user in (other, analyst):
        communicator = _communicator(user, f"/ws/smishing/submissions/{submission.pk}/")
        connected, code = await communicator.connect(timeout=10)
        assert not connected and code == 4403
    # And an outsider on their own feed hears nothing of the owner's verdict.
    outsider_feed = _communicator(other, "/ws/smishing/submissions/")
    assert (await outsider_feed.connect(timeout=10))[0]
    assert (await outsider_feed.receive_json_from(timeout=3))["type"] == "feed.ready"
    owner_feed = _communicator(employee, "/ws/smishing/submissions/")
    assert (await owner_feed.connect(timeout=10))[0]
    assert (await owner_feed.receive_json_from(timeout=3))["type"] == "feed.ready"
    assert (await owner_feed.receive_json_from(timeout=3))["status"] == "queued"  # still waiting
    await sync_to_async(scoring.submissions_score)(submission_ids=[submission.pk])
    states = [await owner_feed.receive_json_from(timeout=3) for _ in range(2)]
    assert [(state["id"], state["status"]) for state in states] == [
        (submission.pk, "analysing"),
        (submission.pk, "done"),
    ]
    assert await outsider_feed.receive_nothing(timeout=0.5)
    await owner_feed.disconnect()
    await outsider_feed.disconnect()


async def test_anonymous_websocket_is_refused(employee):
    from django.contrib.auth.models import AnonymousUser

    communicator = _communicator(AnonymousUser(), "/ws/smishing/submissions/1/")
    connected, code = await communicator.connect(timeout=10)
    assert not connected and code == 4403


async def test_retrain_progress_reaches_only_retrainers(senior, analyst):
    from smishing.models import RetrainJob
    from smishing.push import retrain_push

    job = await sync_to_async(RetrainJob.objects.create)(created_by=senior, status="running", progress=0.25)
    refused = _communicator(analyst, f"/ws/smishing/retrain/{job.pk}/")
    assert (await refused.connect(timeout=10)) == (False, 4403)
    watcher = _communicator(senior, f"/ws/smishing/retrain/{job.pk}/")
    assert (await watcher.connect(timeout=10))[0]
    assert (await watcher.receive_json_from(timeout=3))["progress"] == 0.25
    job.progress = 0.5
    await sync_to_async(RetrainJob.objects.filter(pk=job.pk).update)(progress=0.5, message="training")
    await sync_to_async(retrain_push)(await sync_to_async(RetrainJob.objects.get)(pk=job.pk))
    pushed = await watcher.receive_json_from(timeout=3)
    assert (pushed["progress"], pushed["message"]) == (0.5, "training")
    await watcher.disconnect()


async def test_an_open_verdict_page_gets_a_verdict_whose_push_was_lost(
    employee, fake_model, monkeypatch, settings
):
    """Redis away or a worker killed after its commit: the page still shows the verdict, once."""
    from smishing import push, tasks

    settings.FDS_FEED_CATCHUP_SECONDS = 0.3
    monkeypatch.setattr(tasks.submission_score, "delay", lambda *a: None)
    submission = await sync_to_async(intake.submission_create)(
        user=employee, text=SMISHING_TEXT, consent=False
    )
    page = _communicator(employee, f"/ws/smishing/submissions/{submission.pk}/")
    assert (await page.connect(timeout=10))[0]
    assert (await page.receive_json_from(timeout=3))["status"] == "queued"
    monkeypatch.setattr(push, "_push", lambda messages: None)  # every push is lost
    await sync_to_async(scoring.submissions_score)(submission_ids=[submission.pk])
    caught_up = await page.receive_json_from(timeout=5)
    assert caught_up["status"] == "done" and caught_up["label"] == "smishing"
    assert 'data-testid="progress"' not in caught_up["html"]
    await asyncio.sleep(1.0)  # later rounds find nothing new to send
    assert await page.receive_nothing(timeout=0.3)
    await page.disconnect()


async def test_a_reconnecting_list_gets_changes_older_than_the_catch_up_window(
    employee, fake_model, monkeypatch
):
    """A list page that was offline for ten minutes still learns the verdicts given meanwhile."""
    from datetime import timedelta

    from django.utils import timezone

    from smishing import push, tasks
    from smishing.models import Submission

    monkeypatch.setattr(tasks.submission_score, "delay", lambda *a: None)
    monkeypatch.setattr(push, "_push", lambda messages: None)
    submission = await sync_to_async(intake.submission_create)(
        user=employee, text=SMISHING_TEXT, consent=False
    )
    await sync_to_async(scoring.submissions_score)(submission_ids=[submission.pk])
    ten_minutes_ago = timezone.now() - timedelta(minutes=10)
    await sync_to_async(Submission.objects.filter(pk=submission.pk).update)(
        created_at=ten_minutes_ago - timedelta(minutes=1),
        claimed_at=ten_minutes_ago,
        scored_at=ten_minutes_ago,
    )
    page_rendered = (ten_minutes_ago - timedelta(seconds=30)).isoformat()
    fresh = _communicator(employee, "/ws/smishing/submissions/")
    assert (await fresh.connect(timeout=10))[0]
    assert (await fresh.receive_json_from(timeout=3))["type"] == "feed.ready"
    assert await fresh.receive_nothing(timeout=0.5)  # nothing changed within the last minute
    await fresh.disconnect()
    from urllib.parse import quote

    resumed = _communicator(employee, f"/ws/smishing/submissions/?since={quote(page_rendered)}")
    assert (await resumed.connect(timeout=10))[0]
    assert (await resumed.receive_json_from(timeout=3))["type"] == "feed.ready"
    state = await resumed.receive_json_from(timeout=3)
    assert (state["id"], state["status"]) == (submission.pk, "done")
    await resumed.disconnect()
    for bad in ("not-a-time", "2026-01-01T00:00:00"):  # unparseable or naive: the window applies
        other = _communicator(employee, f"/ws/smishing/submissions/?since={bad}")
        assert (await other.connect(timeout=10))[0]
        assert (await other.receive_json_from(timeout=3))["type"] == "feed.ready"
        assert await other.receive_nothing(timeout=0.3)
        await other.disconnect()


async def test_retrain_progress_whose_push_was_lost_still_moves_the_bar(senior, monkeypatch, settings):
    from smishing import push
    from smishing.models import RetrainJob

    settings.FDS_FEED_CATCHUP_SECONDS = 0.3
    job = await sync_to_async(RetrainJob.objects.create)(created_by=senior, status="running", progress=0.25)
    watcher = _communicator(senior, f"/ws/smishing/retrain/{job.pk}/")
    assert (await watcher.connect(timeout=10))[0]
    assert (await watcher.receive_json_from(timeout=3))["progress"] == 0.25
    monkeypatch.setattr(push, "_push", lambda messages: None)
    await sync_to_async(RetrainJob.objects.filter(pk=job.pk).update)(progress=0.75, message="evaluating")
    caught_up = await watcher.receive_json_from(timeout=5)
    assert (caught_up["progress"], caught_up["message"]) == (0.75, "evaluating")
    await watcher.disconnect()
