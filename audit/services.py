"""Writing audit events. Call these inside the transaction of the change they record."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from audit.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    """What to record; `target` is a model instance or a (type, id) pair."""

    action: str
    target: models.Model | tuple[str, str]
    actor: AbstractBaseUser | AnonymousUser | None = None
    system_actor: str = ""
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""
    model_version: str = ""
    score: float | None = None
    context: Mapping[str, Any] = field(default_factory=dict)


def _json_native(value: Mapping[str, Any]) -> dict[str, Any]:
    # Round-trip through JSON so dates and decimals hash exactly as they will read back from the DB.
    return json.loads(json.dumps(dict(value), cls=DjangoJSONEncoder))


def event_payload(event: AuditEvent) -> bytes:
    """The canonical bytes an event's hash covers (everything but its own hash)."""
    occurred = event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds")
    body = {
        "occurred_at": occurred,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "model_version": event.model_version,
        "score": event.score,
        "context": event.context,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    key = settings.FDS_AUDIT_HMAC_KEY.encode()
    return hmac.new(key, prev_hash.encode() + b"|" + event_payload(event), hashlib.sha256).hexdigest()


def _target_of(target: models.Model | tuple[str, str]) -> tuple[str, str]:
    if isinstance(target, tuple):
        return target
    return target._meta.label_lower, str(target.pk)


def audit_record_many(entries: Sequence[AuditEntry]) -> list[AuditEvent]:
    """Append events to the chain, in order. Must run inside the caller's transaction.

    Side effects: inserts the events and moves the chain head. The head row is locked until the
    caller commits, so concurrent writers queue here; keep this call last in a transaction.
    Not idempotent by itself: callers guard with status-checked updates so a repeat records nothing.
    """
    if not entries:
        return []
    if not connection.in_atomic_block:
        raise RuntimeError("audit events must be written inside the transaction of the change")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
    now = timezone.now()
    prev = head.last_hash
    events: list[AuditEvent] = []
    for entry in entries:
        actor = entry.actor if entry.actor is not None and entry.actor.is_authenticated else None
        target_type, target_id = _target_of(entry.target)
        event = AuditEvent(
            occurred_at=now,
            actor=actor,
            actor_label=actor.get_username() if actor is not None else (entry.system_actor or "system"),
            action=entry.action,
            target_type=target_type,
            target_id=target_id,
            before=_json_native(entry.before),
            after=_json_native(entry.after),
            reason=entry.reason,
            model_version=entry.model_version,
            score=entry.score,
            context=_json_native(entry.context),
            prev_hash=prev,
        )
        event.entry_hash = event_hash(prev, event)
        prev = event.entry_hash
        events.append(event)
    # One by one: ids must follow chain order, and bulk_create does not return ids on SQLite < 3.35.
    for event in events:
        event.save(force_insert=True)
    AuditChainHead.objects.filter(id=1).update(last_event_id=events[-1].pk, last_hash=prev)
    return events


def audit_record(
    *,
    action: str,
    target: models.Model | tuple[str, str],
    actor: AbstractBaseUser | AnonymousUser | None = None,
    system_actor: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str = "",
    model_version: str = "",
    score: float | None = None,
    context: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event (see audit_record_many)."""
    return audit_record_many(
        [
            AuditEntry(
                action=action,
                target=target,
                actor=actor,
                system_actor=system_actor,
                before=before or {},
                after=after or {},
                reason=reason,
                model_version=model_version,
                score=score,
                context=context or {},
            )
        ]
    )[0]


@dataclass(frozen=True)
class ChainProblem:
    event_id: int | None
    problem: str


def audit_chain_verify(*, batch_size: int = 5000) -> tuple[int, list[ChainProblem]]:
    """Walk the whole chain; return (events checked, problems found). Reads only."""
    problems: list[ChainProblem] = []
    prev_hash = GENESIS_HASH
    prev_id = 0
    checked = 0
    last_id = 0
    while True:
        chunk = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not chunk:
            break
        for event in chunk:
            checked += 1
            if event.prev_hash != prev_hash:
                problems.append(
                    ChainProblem(
                        event.pk,
                        f"event {event.pk} does not follow event {prev_id or 'genesis'}: an event between "
                        "them was deleted, or this event was inserted",
                    )
                )
            if event_hash(event.prev_hash, event) != event.entry_hash:
                problems.append(ChainProblem(event.pk, f"event {event.pk} was edited after it was written"))
            prev_hash = event.entry_hash
            prev_id = event.pk
        last_id = chunk[-1].pk
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.last_hash != prev_hash or head.last_event_id != prev_id):
        problems.append(
            ChainProblem(
                head.last_event_id or None,
                f"the chain head names event {head.last_event_id}, but the newest event is {prev_id}: "
                "events at the end were deleted or appended outside the application",
            )
        )
    if head is None and checked:
        problems.append(ChainProblem(None, "the chain head row is missing"))
    return checked, problems
