from __future__ import annotations

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
    connected, _ = await owner.connect()
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
        connected, code = await communicator.connect()
        assert not connected and code == 4403
    # And an outsider on their own feed hears nothing of the owner's verdict.
    outsider_feed = _communicator(other, "/ws/smishing/submissions/")
    assert (await outsider_feed.connect())[0]
    assert (await outsider_feed.receive_json_from(timeout=3))["type"] == "feed.ready"
    owner_feed = _communicator(employee, "/ws/smishing/submissions/")
    assert (await owner_feed.connect())[0]
    await owner_feed.receive_json_from(timeout=3)
    await sync_to_async(scoring.submissions_score)(submission_ids=[submission.pk])
    assert (await owner_feed.receive_json_from(timeout=3))["id"] == submission.pk
    assert await outsider_feed.receive_nothing(timeout=0.5)
    await owner_feed.disconnect()
    await outsider_feed.disconnect()


async def test_anonymous_websocket_is_refused(employee):
    from django.contrib.auth.models import AnonymousUser

    communicator = _communicator(AnonymousUser(), "/ws/smishing/submissions/1/")
    connected, code = await communicator.connect()
    assert not connected and code == 4403


async def test_retrain_progress_reaches_only_retrainers(senior, analyst):
    from smishing.models import RetrainJob
    from smishing.push import retrain_push

    job = await sync_to_async(RetrainJob.objects.create)(created_by=senior, status="running", progress=0.25)
    refused = _communicator(analyst, f"/ws/smishing/retrain/{job.pk}/")
    assert (await refused.connect()) == (False, 4403)
    watcher = _communicator(senior, f"/ws/smishing/retrain/{job.pk}/")
    assert (await watcher.connect())[0]
    assert (await watcher.receive_json_from(timeout=3))["progress"] == 0.25
    job.progress = 0.5
    await sync_to_async(RetrainJob.objects.filter(pk=job.pk).update)(progress=0.5, message="training")
    await sync_to_async(retrain_push)(await sync_to_async(RetrainJob.objects.get)(pk=job.pk))
    pushed = await watcher.receive_json_from(timeout=3)
    assert (pushed["progress"], pushed["message"]) == (0.5, "training")
    await watcher.disconnect()
