"""The audit chain's checkpoint: where the chain had got to, sealed and kept outside the database.

Every event seals its predecessor, so edits and deletions in the middle of the trail show. What the
events alone cannot show is what is missing at the end: delete the newest events and put the head
row back (or replay an old head row), or delete everything. The checkpoint closes that gap. It names
the newest event, its hash and the first event's hash, is sealed with the audit key and lives in a
file (`FDS_AUDIT_CHECKPOINT_PATH`) on storage the database's administrators cannot rewrite. A beat
task and every intact `audit_verify` move it forward, never back; `audit_verify` compares the
database with it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from audit.models import AuditChainHead, AuditEvent
from audit.services import (
    GENESIS_HASH,
    ChainProblem,
    ChainProblemKind,
    UnknownAuditKey,
    audit_chain_verify,
    audit_key,
    event_hash,
    head_seal,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Checkpoint:
    last_event_id: int
    last_hash: str
    first_hash: str
    written_at: str
    key_id: str


def _checkpoint_path() -> Path:
    return Path(settings.FDS_AUDIT_CHECKPOINT_PATH)


def _mac(body: dict[str, object], key_id: str) -> str:
    message = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(audit_key(key_id), b"audit-checkpoint|" + message, hashlib.sha256).hexdigest()


def _problem(message: str, event_id: int | None = None) -> ChainProblem:
    return ChainProblem(event_id, message, ChainProblemKind.CHECKPOINT)


def audit_checkpoint_read() -> tuple[Checkpoint | None, list[ChainProblem]]:
    """The checkpoint on file (None if there is none yet), or the problem with it. Reads only."""
    path = _checkpoint_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        body = {field: raw[field] for field in Checkpoint.__dataclass_fields__}
        checkpoint = Checkpoint(**body)
        expected = _mac(body, checkpoint.key_id)
    except FileNotFoundError:
        return None, []
    except UnknownAuditKey as exc:
        return None, [_problem(f"the checkpoint {path} is sealed with unknown key id {exc.args[0]!r}")]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return None, [_problem(f"the checkpoint {path} cannot be read ({exc}): it was damaged or replaced")]
    if not hmac.compare_digest(expected, str(raw.get("hmac", ""))):
        return None, [_problem(f"the checkpoint {path} fails its seal: it was edited or forged")]
    return checkpoint, []


def audit_checkpoint_compare(checkpoint: Checkpoint) -> list[ChainProblem]:
    """What the database lacks compared with the checkpoint: the checkpointed event (cut off the
    end, or the trail wiped), its hash (rewritten) or the first event (the trail replaced)."""
    if checkpoint.last_event_id == 0:
        return []
    when = checkpoint.written_at
    first = AuditEvent.objects.order_by("id").values_list("entry_hash", flat=True).first()
    if first is None:
        return [
            _problem(
                f"the checkpoint of {when} names event {checkpoint.last_event_id}, but the database has "
                "no audit events at all: the trail was wiped",
                checkpoint.last_event_id,
            )
        ]
    problems: list[ChainProblem] = []
    if first != checkpoint.first_hash:
        problems.append(
            _problem(
                f"the trail's first event is not the one the checkpoint of {when} sealed: the trail was "
                "replaced (or FDS_AUDIT_CHECKPOINT_PATH belongs to another installation)"
            )
        )
    newest = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    stored = (
        AuditEvent.objects.filter(pk=checkpoint.last_event_id).values_list("entry_hash", flat=True).first()
    )
    if stored is None:
        problems.append(
            _problem(
                f"the checkpoint of {when} names event {checkpoint.last_event_id}, which is no longer in "
                f"the database (the newest is {newest}): events were cut off the end of the trail",
                checkpoint.last_event_id,
            )
        )
    elif stored != checkpoint.last_hash:
        problems.append(
            _problem(
                f"event {checkpoint.last_event_id} is not the event the checkpoint of {when} sealed: the "
                "trail was rewritten from there",
                checkpoint.last_event_id,
            )
        )
    return problems


def _segment_problems(*, after: Checkpoint | None, head: AuditChainHead) -> list[ChainProblem]:
    """Check only what is new since the checkpoint: each later event's seal and link, up to a
    sealed head. Without a checkpoint the whole chain is verified."""
    if after is None:
        return audit_chain_verify()[1]
    prev_hash = after.last_hash
    events = AuditEvent.objects.filter(id__gt=after.last_event_id, id__lte=head.last_event_id).order_by("id")
    for event in events.iterator(chunk_size=2000):
        try:
            sealed = hmac.compare_digest(event_hash(event.prev_hash, event), event.entry_hash)
        except UnknownAuditKey:
            sealed = False
        if not sealed or event.prev_hash != prev_hash:
            return [_problem(f"event {event.pk} after the checkpoint does not verify", event.pk)]
        prev_hash = event.entry_hash
    try:
        head_ok = hmac.compare_digest(
            head_seal(last_event_id=head.last_event_id, last_hash=head.last_hash, key_id=head.key_id),
            head.seal,
        )
    except UnknownAuditKey:
        head_ok = False
    if prev_hash != head.last_hash or not head_ok:
        return [_problem("the chain head does not follow from the checkpoint", head.last_event_id or None)]
    return []


def audit_checkpoint_write(*, now: datetime | None = None) -> tuple[Checkpoint | None, list[ChainProblem]]:
    """Move the checkpoint forward to the chain's current head, after checking that the database
    still holds the checkpointed event and that everything since verifies.

    Side effects: replaces the checkpoint file atomically (mode 0600). Refuses, writes nothing and
    returns the problems when the check fails: a truncated trail must never be checkpointed, or the
    evidence of the truncation would be overwritten. Safe to repeat; returns (checkpoint, []).
    """
    existing, problems = audit_checkpoint_read()
    if problems:
        return None, problems
    if existing is not None:
        problems = audit_checkpoint_compare(existing)
        if problems:
            return None, problems
    head = AuditChainHead.objects.filter(id=1).first()
    if head is None or head.last_event_id == 0:
        return existing, []
    if existing is not None and existing.last_event_id == head.last_event_id:
        return existing, []
    problems = _segment_problems(after=existing, head=head)
    if problems:
        return None, problems
    first = AuditEvent.objects.order_by("id").values_list("entry_hash", flat=True).first() or GENESIS_HASH
    moment = (now or timezone.now()).astimezone(UTC).isoformat(timespec="seconds")
    checkpoint = Checkpoint(
        last_event_id=head.last_event_id,
        last_hash=head.last_hash,
        first_hash=first,
        written_at=moment,
        key_id=settings.FDS_AUDIT_HMAC_KEY_ID,
    )
    body: dict[str, object] = asdict(checkpoint)
    document = json.dumps({**body, "hmac": _mac(body, checkpoint.key_id)}, indent=2) + "\n"
    path = _checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".audit-checkpoint-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(document)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return checkpoint, []
