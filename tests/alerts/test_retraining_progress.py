"""A retraining run's progress reaches its page pushed over a websocket, not only by polling."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from alerts import lifecycle
from alerts.models import Retraining
from alerts.routing import websocket_urlpatterns
from fdsportal import roles

pytestmark = pytest.mark.django_db(transaction=True)


def _communicator(user, path: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
    communicator.scope["user"] = user
    return communicator


async def test_the_workers_steps_are_pushed_to_the_runs_page(senior, make_user):
    job = await sync_to_async(Retraining.objects.create)(
        started_by=senior, started_by_name="senior", status=Retraining.Status.RUNNING, progress=0.05
    )
    path = f"/ws/alerts/models/retrain/{job.pk}/"
    service = await sync_to_async(make_user)(roles.INGEST_SERVICE, "core-banking")
    assert (await _communicator(service, path).connect()) == (False, 4403)
    assert (await _communicator(senior, "/ws/alerts/models/retrain/999999/").connect()) == (False, 4403)

    watcher = _communicator(senior, path)
    assert (await watcher.connect())[0]
    first = await watcher.receive_json_from(timeout=3)
    assert (first["type"], first["status"], first["percent"]) == ("retraining.state", "running", 5)

    # The worker's progress step (alerts.lifecycle) pushes the stored state; nothing polls here.
    await sync_to_async(lifecycle._progress)(job.pk, 0.5, "training the challenger")
    pushed = await watcher.receive_json_from(timeout=3)
    assert (pushed["percent"], pushed["message"]) == (50, "training the challenger")
    await watcher.disconnect()


async def test_a_finished_run_pushes_its_outcome(senior):
    # No labels at all: the run fails with the reason, and the page learns it from the push.
    job = await sync_to_async(Retraining.objects.create)(started_by=senior, started_by_name="senior")
    watcher = _communicator(senior, f"/ws/alerts/models/retrain/{job.pk}/")
    assert (await watcher.connect())[0]
    assert (await watcher.receive_json_from(timeout=3))["status"] == "queued"
    await sync_to_async(lifecycle.retraining_run)(retraining_id=job.pk)
    states: list[dict] = []
    while not states or states[-1]["status"] == "running":
        states.append(await watcher.receive_json_from(timeout=5))
    assert states[-1]["status"] == "failed" and "no labels" in states[-1]["error"]
    await watcher.disconnect()
