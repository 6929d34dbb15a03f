"""Writing audit events. Call these inside the transaction of the change they record."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
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


class UnknownAuditKey(KeyError):
    """An event, the head or a checkpoint names a key id this installation was not given."""


def audit_key(key_id: str) -> bytes:
    """The HMAC key with this id: the current one or a retired one (still verifies old events)."""
    if key_id == settings.FDS_AUDIT_HMAC_KEY_ID:
        return str(settings.FDS_AUDIT_HMAC_KEY).encode()
    retired: Mapping[str, str] = getattr(settings, "FDS_AUDIT_HMAC_RETIRED_KEYS", {})
    if key_id in retired:
        return retired[key_id].encode()
    raise UnknownAuditKey(key_id)


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    """The event's seal, with the key its key_id names (the current key for a new event)."""
    key = audit_key(event.key_id or settings.FDS_AUDIT_HMAC_KEY_ID)
    return hmac.new(key, prev_hash.encode() + b"|" + event_payload(event), hashlib.sha256).hexdigest()


def head_seal(*, last_event_id: int, last_hash: str, key_id: str) -> str:
    """The chain head's seal: only the key holder can move the head (say, back after a truncation)."""
    message = f"audit-head|{last_event_id}|{last_hash}".encode()
    return hmac.new(audit_key(key_id), message, hashlib.sha256).hexdigest()


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
        assert actor is None or isinstance(actor, User)
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
            key_id=settings.FDS_AUDIT_HMAC_KEY_ID,
        )
        event.entry_hash = event_hash(prev, event)
        prev = event.entry_hash
        events.append(event)
    # Ids must follow chain order. One multi-row INSERT gives that where the database returns the new
    # rows (PostgreSQL numbers VALUES in order, and the head's lock keeps other writers out until
    # commit); elsewhere (SQLite < 3.35) one by one. A batch raising a hundred alerts was paying a
    # round trip per event.
    if connection.features.can_return_rows_from_bulk_insert:
        AuditEvent.objects.bulk_create(events)
    else:
        for event in events:
            event.save(force_insert=True)
    key_id = settings.FDS_AUDIT_HMAC_KEY_ID
    AuditChainHead.objects.filter(id=1).update(
        last_event_id=events[-1].pk,
        last_hash=prev,
        key_id=key_id,
        seal=head_seal(last_event_id=events[-1].pk or 0, last_hash=prev, key_id=key_id),
    )
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


class ChainProblemKind:
    EDITED = "edited"
    DELETED = "deleted"
    INSERTED = "inserted"
    BROKEN = "broken"  # a link is wrong but the cause cannot be told apart (e.g. a hash was rewritten)
    HEAD = "head"
    KEY = "key"  # sealed with a key id this installation does not know
    CHECKPOINT = "checkpoint"  # the database disagrees with the checkpoint kept outside it


@dataclass(frozen=True)
class ChainProblem:
    """One break in the chain, naming the event concerned.

    For a deletion `event_id` is the id that went missing when the id sequence shows it, else the
    event that follows the gap.
    """

    event_id: int | None
    problem: str
    kind: str = ChainProblemKind.BROKEN


@dataclass(frozen=True)
class _Link:
    id: int
    prev_hash: str
    entry_hash: str


# Past this many missing ids one summary line says more than a line per id.
_MISSING_IDS_LISTED = 50


def _missing(first_id: int, last_id: int, *, evidence: str) -> list[ChainProblem]:
    """Problems for ids first_id..last_id (inclusive) that the chain proves were removed."""
    count = last_id - first_id + 1
    if count <= 0:
        return []
    if count == 1:
        return [ChainProblem(first_id, f"event {first_id} was deleted: {evidence}", ChainProblemKind.DELETED)]
    if count > _MISSING_IDS_LISTED:
        # Named by the last missing id: the one next to the surviving events, where a deletion is
        # most likely (a long run of unused ids before it is usually the sequence, not tampering).
        return [
            ChainProblem(
                last_id,
                f"events {first_id}–{last_id} are missing, at least one of them deleted: {evidence}",
                ChainProblemKind.DELETED,
            )
        ]
    # On PostgreSQL a rolled-back write also leaves an id unused, so with several missing ids only
    # "at least one of them" is proven; each is listed so the investigator knows where to look.
    return [
        ChainProblem(
            missing_id,
            f"event {missing_id} is missing (one of ids {first_id}–{last_id} was deleted): {evidence}",
            ChainProblemKind.DELETED,
        )
        for missing_id in range(first_id, last_id + 1)
    ]


def _deleted_before(link: _Link, *, after_id: int, kind: str) -> list[ChainProblem]:
    """`link` names a predecessor hash no remaining row has: say which ids went missing before it."""
    evidence = f"event {link.id} is chained to a hash that no remaining event has"
    return _missing(after_id + 1, link.id - 1, evidence=evidence) or [
        ChainProblem(
            link.id,
            f"event {link.id} does not follow event {after_id or 'genesis'}: an event between them was "
            "deleted, or a hash was rewritten",
            kind,
        )
    ]


def _unsealed_run(run: list[_Link], *, kind: str, why: str) -> list[ChainProblem]:
    verb = {
        ChainProblemKind.INSERTED: "was inserted outside the application",
        ChainProblemKind.EDITED: "was edited after it was written",
    }.get(kind, "fails its seal (edited, or inserted with a forged hash)")
    return [ChainProblem(link.id, f"event {link.id} {verb}: {why}", kind) for link in run]


def _unlinked_run(run: list[_Link], *, after: _Link) -> list[ChainProblem]:
    """Unsealed rows that nothing after them links to: a row still chained to its predecessor was
    edited in place; one that is not could be an edit that rewrote its hashes, or a forgery."""
    problems: list[ChainProblem] = []
    prev_hash = after.entry_hash
    for link in run:
        if link.prev_hash == prev_hash:
            problems += _unsealed_run(
                [link], kind=ChainProblemKind.EDITED, why="its content no longer matches its hash"
            )
        else:
            problems += _unsealed_run(
                [link], kind=ChainProblemKind.BROKEN, why="neither its hash nor its link verify"
            )
        prev_hash = link.entry_hash
    return problems


def audit_chain_verify(*, batch_size: int = 5000) -> tuple[int, list[ChainProblem]]:
    """Walk the whole chain; return (events checked, problems found). Reads only; safe to repeat.

    Each event is checked twice: its seal (the HMAC over its content and its predecessor's hash,
    which nobody without the key can recompute) and its link (the predecessor's hash it stores must
    be the hash of the sealed event before it). Unsealed rows are classified by how the next sealed
    event links: past them (they were inserted), through them (their content was edited) or to a hash
    no row has any more (rows were deleted, named by the ids missing from the sequence).
    """
    problems: list[ChainProblem] = []
    anchor = _Link(0, GENESIS_HASH, GENESIS_HASH)  # the newest sealed event on the chain
    run: list[_Link] = []  # unsealed rows after the anchor
    last_row_id = 0
    checked = 0
    while True:
        chunk = list(AuditEvent.objects.filter(id__gt=last_row_id).order_by("id")[:batch_size])
        if not chunk:
            break
        for event in chunk:
            checked += 1
            link = _Link(event.pk, event.prev_hash, event.entry_hash)
            try:
                sealed = hmac.compare_digest(event_hash(event.prev_hash, event), event.entry_hash)
            except UnknownAuditKey:
                # Cannot be checked here; walked as sealed so its neighbours are still judged.
                problems.append(
                    ChainProblem(
                        event.pk,
                        f"event {event.pk} is sealed with key id {event.key_id!r}, which this "
                        "installation does not have (FDS_AUDIT_HMAC_RETIRED_KEYS)",
                        ChainProblemKind.KEY,
                    )
                )
                sealed = True
            if not sealed:
                run.append(link)
                last_row_id = event.pk
                continue
            if not run:
                if link.prev_hash != anchor.entry_hash:
                    problems += _deleted_before(link, after_id=last_row_id, kind=ChainProblemKind.DELETED)
            elif link.prev_hash == anchor.entry_hash:
                why = f"event {link.id} is chained straight to event {anchor.id or 'genesis'}, past it"
                problems += _unsealed_run(run, kind=ChainProblemKind.INSERTED, why=why)
            elif link.prev_hash == run[-1].entry_hash:
                why = "its content no longer matches its hash"
                problems += _unsealed_run(run, kind=ChainProblemKind.EDITED, why=why)
            else:
                problems += _unlinked_run(run, after=anchor)
                problems += _deleted_before(link, after_id=last_row_id, kind=ChainProblemKind.BROKEN)
            anchor, run, last_row_id = link, [], event.pk
    head = AuditChainHead.objects.filter(id=1).first()
    chain_end = anchor
    if run:
        if head is not None and head.last_hash == anchor.entry_hash:
            problems += _unsealed_run(
                run,
                kind=ChainProblemKind.INSERTED,
                why=f"the chain head still ends at event {anchor.id or 'genesis'}",
            )
        elif head is not None and head.last_hash == run[-1].entry_hash:
            problems += _unsealed_run(
                run, kind=ChainProblemKind.EDITED, why="its content no longer matches its hash"
            )
            chain_end = run[-1]
        else:
            problems += _unlinked_run(run, after=anchor)
            chain_end = run[-1]
    if head is None:
        if checked:
            problems.append(ChainProblem(None, "the chain head row is missing", ChainProblemKind.HEAD))
    elif head.last_hash != chain_end.entry_hash:
        if head.last_event_id > last_row_id:
            problems += _missing(
                last_row_id + 1,
                head.last_event_id,
                evidence=f"the chain head names event {head.last_event_id}, but the newest event is "
                f"{last_row_id}",
            )
        else:
            problems.append(
                ChainProblem(
                    head.last_event_id or None,
                    f"the chain head names event {head.last_event_id}, but the chain ends at event "
                    f"{chain_end.id}: the head row was edited",
                    ChainProblemKind.HEAD,
                )
            )
    if head is not None and checked:
        problems += _head_seal_problems(head)
    problems.sort(key=lambda p: (p.event_id is None, p.event_id or 0))
    return checked, problems


def _head_seal_problems(head: AuditChainHead) -> list[ChainProblem]:
    try:
        expected = head_seal(last_event_id=head.last_event_id, last_hash=head.last_hash, key_id=head.key_id)
    except UnknownAuditKey:
        return [
            ChainProblem(
                None, f"the chain head is sealed with unknown key id {head.key_id!r}", ChainProblemKind.KEY
            )
        ]
    if hmac.compare_digest(expected, head.seal):
        return []
    return [
        ChainProblem(
            head.last_event_id or None,
            f"the chain head (event {head.last_event_id}) fails its seal: it was moved outside the "
            "application, e.g. back over deleted events",
            ChainProblemKind.HEAD,
        )
    ]


def audit_export_record(
    *, actor: AbstractBaseUser | AnonymousUser, filters: Mapping[str, Any], row_count: int
) -> AuditEvent:
    """Record that `actor` exported audit events matching `filters` (who took what out of the system).

    Side effects: appends one audit event in its own transaction. Each call records a new export, so
    it is not idempotent by design: two downloads are two disclosures.
    """
    with transaction.atomic():
        return audit_record(
            action="audit.events.exported",
            target=("audit.auditevent", "*"),
            actor=actor,
            after={"rows": row_count},
            context={"filters": {key: value for key, value in filters.items() if value not in ("", None)}},
        )
