"""Live pages: a submitter's verdict, their list of submissions, a retraining job's progress.

Consumers are read-only: authenticate, check the right (ownership or permission) BEFORE joining a
group, send the stored state right after accept so a fast verdict is never missed, then forward.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from smishing.models import RetrainJob, Submission
from smishing.push import (
    retrain_group,
    retrain_state_message,
    submission_group,
    submission_state_message,
    submitter_group,
)

REFUSED = 4403


def _own_submission_state(submission_id: int, user_id: int) -> dict[str, Any] | None:
    submission = (
        Submission.objects.filter(pk=submission_id, submitted_by_id=user_id)
        .prefetch_related("indicators")
        .first()
    )
    return submission_state_message(submission) if submission is not None else None


class SubmissionConsumer(AsyncJsonWebsocketConsumer):
    """`ws/smishing/submissions/<id>/`: only the person who submitted the text hears its verdict."""

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        submission_id = int(self.scope["url_route"]["kwargs"]["submission_id"])
        if user is None or not user.is_authenticated:
            await self.close(code=REFUSED)
            return
        allowed = await sync_to_async(user.has_perm)("smishing.add_submission")
        state = await sync_to_async(_own_submission_state)(submission_id, user.pk) if allowed else None
        if state is None:
            await self.close(code=REFUSED)
            return
        self.group = submission_group(submission_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        # Read again after joining: a verdict stored between the first read and group_add was pushed
        # before we listened, and this second read is what the page then shows.
        state = await sync_to_async(_own_submission_state)(submission_id, user.pk)
        if state is not None:
            await self.send_json(state)

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def submission_state(self, event: dict[str, Any]) -> None:
        await self.send_json(event)


class SubmitterFeedConsumer(AsyncJsonWebsocketConsumer):
    """`ws/smishing/submissions/`: state changes of the connected user's own submissions."""

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=REFUSED)
            return
        if not await sync_to_async(user.has_perm)("smishing.add_submission"):
            await self.close(code=REFUSED)
            return
        self.group = submitter_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "feed.ready"})

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def submission_state(self, event: dict[str, Any]) -> None:
        await self.send_json(event)


def _retrain_state(job_id: int) -> dict[str, Any] | None:
    job = RetrainJob.objects.filter(pk=job_id).first()
    return retrain_state_message(job) if job is not None else None


class RetrainJobConsumer(AsyncJsonWebsocketConsumer):
    """`ws/smishing/retrain/<id>/`: the progress bar of a retraining job (smishing.retrain_model)."""

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        job_id = int(self.scope["url_route"]["kwargs"]["job_id"])
        if user is None or not user.is_authenticated:
            await self.close(code=REFUSED)
            return
        if not await sync_to_async(user.has_perm)("smishing.retrain_model"):
            await self.close(code=REFUSED)
            return
        if await sync_to_async(_retrain_state)(job_id) is None:
            await self.close(code=REFUSED)
            return
        self.group = retrain_group(job_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        state = await sync_to_async(_retrain_state)(job_id)
        if state is not None:
            await self.send_json(state)

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def retrain_state(self, event: dict[str, Any]) -> None:
        await self.send_json(event)
