"""Live pages: a submitter's verdict, their list of submissions, a retraining job's progress.

Consumers are read-only: authenticate, check the right (ownership or permission) BEFORE joining a
group, send the stored state right after accept so a fast verdict is never missed, then forward.

Pushes travel over Redis pub/sub, which forgets what it could not deliver (Redis restarting while a
page stays open, a worker killed between its commit and its push). So every
FDS_FEED_CATCHUP_SECONDS each consumer also reads the stored state again and sends what changed
since it last sent it; the page keeps updating, by this catch-up alone, while Redis is down.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from smishing.models import RetrainJob, Submission
from smishing.push import (
    retrain_group,
    retrain_state_message,
    submission_group,
    submission_state_message,
    submitter_group,
)

log = logging.getLogger(__name__)

REFUSED = 4403
# The submitter's list re-reads the submissions that changed within this span, plus every one still
# waiting for its verdict; older changes were either pushed or sent by an earlier round.
CATCHUP_WINDOW = timedelta(seconds=60)
CATCHUP_MAX_ROWS = 200


class _CatchingUpConsumer(AsyncJsonWebsocketConsumer):
    """Joins its group when it can, sends stored states, and re-sends any state that changed."""

    group: str | None = None
    _joined = False
    _task: asyncio.Task[None] | None = None

    def stored_states(self) -> list[dict[str, Any]]:
        """The states this socket shows, read from the database (runs in a thread)."""
        raise NotImplementedError

    async def start(self, group: str, greeting: dict[str, Any] | None = None) -> None:
        self.group = group
        self._sent: dict[tuple[str, int], str] = {}  # (type, id) -> the JSON last sent
        await self._join()
        await self.accept()
        if greeting is not None:
            await self.send_json(greeting)
        await self._send_stored()
        self._task = asyncio.ensure_future(self._catch_up_forever())

    async def _join(self) -> None:
        assert self.group is not None
        try:
            await self.channel_layer.group_add(self.group, self.channel_name)
            self._joined = True
        except Exception as exc:  # Redis down: serve by catch-up until it is back
            log.warning("%s could not join its group (%s); catching up from the database", self.group, exc)

    async def send_state(self, message: dict[str, Any]) -> None:
        """Send a state unless this socket was already sent exactly this (a push and a catch-up race)."""
        key = (str(message.get("type")), int(message.get("id") or 0))
        encoded = json.dumps(message, sort_keys=True, default=str)
        if self._sent.get(key) == encoded:
            return
        self._sent[key] = encoded
        await self.send_json(message)

    async def _send_stored(self) -> None:
        for message in await database_sync_to_async(self.stored_states)():
            await self.send_state(message)

    async def _catch_up_forever(self) -> None:
        while True:
            await asyncio.sleep(settings.FDS_FEED_CATCHUP_SECONDS)
            try:
                if not self._joined:
                    await self._join()
                await self._send_stored()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is down: try again next round
                log.warning("%s catch-up failed (%s)", self.group, exc)

    async def disconnect(self, code: int) -> None:
        if self._task is not None:
            self._task.cancel()
        if self._joined and self.group:
            try:
                await self.channel_layer.group_discard(self.group, self.channel_name)
            except Exception as exc:
                log.warning("%s could not leave its group (%s)", self.group, exc)


def _own_submission_state(submission_id: int, user_id: int) -> dict[str, Any] | None:
    submission = (
        Submission.objects.filter(pk=submission_id, submitted_by_id=user_id)
        .prefetch_related("indicators")
        .first()
    )
    return submission_state_message(submission) if submission is not None else None


class SubmissionConsumer(_CatchingUpConsumer):
    """`ws/smishing/submissions/<id>/`: only the person who submitted the text hears its verdict."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        self.submission_id = int(self.scope["url_route"]["kwargs"]["submission_id"])
        if user is None or not user.is_authenticated:
            await self.close(code=REFUSED)
            return
        self.user_id = user.pk
        allowed = await sync_to_async(user.has_perm)("smishing.add_submission")
        state = await sync_to_async(_own_submission_state)(self.submission_id, user.pk) if allowed else None
        if state is None:
            await self.close(code=REFUSED)
            return
        # start() reads again after joining: a verdict stored between the check above and the join
        # was pushed before we listened, and that second read is what the page then shows.
        await self.start(submission_group(self.submission_id))

    def stored_states(self) -> list[dict[str, Any]]:
        state = _own_submission_state(self.submission_id, self.user_id)
        return [state] if state is not None else []

    async def submission_state(self, event: dict[str, Any]) -> None:
        await self.send_state(event)


def _since(scope: dict[str, Any]) -> datetime | None:
    """`?since=<ISO time the page was rendered>`; anything else is ignored (the window applies)."""
    raw = (parse_qs(scope.get("query_string", b"").decode()).get("since") or [""])[0]
    try:
        value = datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    if value is None or value.tzinfo is None:
        return None
    return min(value, timezone.now())


class SubmitterFeedConsumer(_CatchingUpConsumer):
    """`ws/smishing/submissions/[?since=…]`: state changes of the connected user's own submissions.

    On connect it sends every submission that changed since the page was rendered (so a reconnect
    after a long outage still catches up), then each round those changed within the last minute and
    those still waiting for a verdict."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=REFUSED)
            return
        if not await sync_to_async(user.has_perm)("smishing.add_submission"):
            await self.close(code=REFUSED)
            return
        self.user_id = user.pk
        self.since: datetime | None = _since(self.scope) or timezone.now() - CATCHUP_WINDOW
        await self.start(submitter_group(user.pk), greeting={"type": "feed.ready"})
        self.since = None  # later rounds look at the sliding window only

    def stored_states(self) -> list[dict[str, Any]]:
        floor = self.since or timezone.now() - CATCHUP_WINDOW
        changed = (
            Q(status__in=(Submission.Status.QUEUED, Submission.Status.ANALYSING))
            | Q(created_at__gte=floor)
            | Q(claimed_at__gte=floor)
            | Q(scored_at__gte=floor)
            | Q(labelled_at__gte=floor)
        )
        submissions = (
            Submission.objects.filter(changed, submitted_by_id=self.user_id)
            .prefetch_related("indicators")
            .order_by("-created_at", "-id")[:CATCHUP_MAX_ROWS]
        )
        return [submission_state_message(submission) for submission in submissions]

    async def submission_state(self, event: dict[str, Any]) -> None:
        await self.send_state(event)


def _retrain_state(job_id: int) -> dict[str, Any] | None:
    job = RetrainJob.objects.filter(pk=job_id).first()
    return retrain_state_message(job) if job is not None else None


class RetrainJobConsumer(_CatchingUpConsumer):
    """`ws/smishing/retrain/<id>/`: the progress bar of a retraining job (smishing.retrain_model)."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        self.job_id = int(self.scope["url_route"]["kwargs"]["job_id"])
        if user is None or not user.is_authenticated:
            await self.close(code=REFUSED)
            return
        if not await sync_to_async(user.has_perm)("smishing.retrain_model"):
            await self.close(code=REFUSED)
            return
        if await sync_to_async(_retrain_state)(self.job_id) is None:
            await self.close(code=REFUSED)
            return
        await self.start(retrain_group(self.job_id))

    def stored_states(self) -> list[dict[str, Any]]:
        state = _retrain_state(self.job_id)
        return [state] if state is not None else []

    async def retrain_state(self, event: dict[str, Any]) -> None:
        await self.send_state(event)
