"""`manage.py audit_verify` against a trail tampered with behind the application's back."""

from __future__ import annotations

import json
import secrets
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from audit.db import append_only_triggers_drop
from audit.models import AuditEvent
from audit.services import audit_chain_verify, audit_record

pytestmark = pytest.mark.django_db

COLUMNS = (
    'occurred_at, actor_id, actor_label, action, target_type, target_id, "before", "after", reason, '
    "model_version, score, context, prev_hash, key_id"
)


def record_events(actor: User, count: int) -> list[int]:
    ids = []
    for n in range(count):
        with transaction.atomic():
            event = audit_record(
                action="cases.refund.approved",
                target=("cases.refundrequest", str(n)),
                actor=actor,
                before={"status": "requested"},
                after={"status": "approved"},
                reason=f"approval {n}",
                model_version="fds-v1",
                score=0.91,
            )
        ids.append(event.pk)
    return ids


def triggers_off() -> None:
    """What a database superuser can do: switch the append-only guard off."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Deferred foreign-key checks still pending in this transaction would block the ALTER.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER ALL")
    else:
        append_only_triggers_drop(connection)


def raw(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def forge_copy_of(event_id: int, reason: str) -> int:
    """Insert a row copied from a real one, as an intruder without the HMAC key would."""
    raw(
        f"INSERT INTO audit_auditevent ({COLUMNS}, entry_hash) SELECT {COLUMNS.replace('reason', '%s')}, %s "
        "FROM audit_auditevent WHERE id = %s",
        [reason, secrets.token_hex(32), event_id],
    )
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True)[0]


def verify() -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("audit_verify", stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


def problems_by_kind() -> dict[str, list[int | None]]:
    _checked, problems = audit_chain_verify(batch_size=2)  # small batches: breaks across chunk edges too
    found: dict[str, list[int | None]] = {}
    for problem in problems:
        found.setdefault(problem.kind, []).append(problem.event_id)
    return found


def test_an_intact_trail_verifies(analyst):
    record_events(analyst, 5)
    code, output = verify()
    assert code == 0
    assert "intact: 5 events" in output


def test_an_edited_event_is_named(analyst):
    ids = record_events(analyst, 5)
    triggers_off()
    raw("UPDATE audit_auditevent SET reason = 'nothing to see' WHERE id = %s", [ids[2]])

    code, output = verify()

    assert code == 1
    assert f"EDITED    event {ids[2]}:" in output
    assert problems_by_kind() == {"edited": [ids[2]]}


def test_an_edited_score_is_named(analyst):
    ids = record_events(analyst, 3)
    triggers_off()
    raw("UPDATE audit_auditevent SET score = 0.1 WHERE id = %s", [ids[0]])
    assert problems_by_kind() == {"edited": [ids[0]]}


def test_a_deleted_event_is_named_by_its_id(analyst):
    ids = record_events(analyst, 5)
    triggers_off()
    raw("DELETE FROM audit_auditevent WHERE id = %s", [ids[2]])

    code, output = verify()

    assert code == 1
    assert f"event {ids[2]} was deleted" in output
    assert problems_by_kind() == {"deleted": [ids[2]]}


def test_deleting_the_first_or_the_newest_event_is_detected(analyst):
    ids = record_events(analyst, 4)
    triggers_off()
    raw("DELETE FROM audit_auditevent WHERE id IN (%s, %s)", [ids[0], ids[-1]])
    found = problems_by_kind()
    assert list(found) == ["deleted"]
    assert {ids[0], ids[-1]} <= set(found["deleted"])
    # Before the first event only the id sequence can tell what is gone; on PostgreSQL ids used by
    # earlier tests' rolled-back rows count as missing too, but nothing between the survivors does.
    assert not set(found["deleted"]) & set(range(ids[0] + 1, ids[-1]))


def test_an_event_appended_outside_the_application_is_named(analyst):
    ids = record_events(analyst, 3)
    forged = forge_copy_of(ids[1], "approved by phone")  # INSERT needs no trigger to be off

    code, output = verify()

    assert code == 1
    assert f"INSERTED  event {forged}:" in output
    assert problems_by_kind() == {"inserted": [forged]}


def test_an_event_inserted_mid_chain_is_named_and_later_events_still_verify(analyst):
    ids = record_events(analyst, 2)
    forged = forge_copy_of(ids[0], "approved by phone")
    later = record_events(analyst, 2)  # the application carries on, chaining past the forged row

    assert forged < later[0]
    assert problems_by_kind() == {"inserted": [forged]}


def test_several_kinds_of_tampering_are_all_reported(analyst):
    ids = record_events(analyst, 6)
    triggers_off()
    raw("UPDATE audit_auditevent SET actor_label = 'senior' WHERE id = %s", [ids[1]])
    raw("DELETE FROM audit_auditevent WHERE id = %s", [ids[3]])
    forged = forge_copy_of(ids[4], "forged")

    assert problems_by_kind() == {"edited": [ids[1]], "deleted": [ids[3]], "inserted": [forged]}


def test_a_rewound_chain_head_is_reported(analyst):
    record_events(analyst, 3)
    raw("UPDATE audit_auditchainhead SET last_hash = %s", ["0" * 64])  # the head has no trigger of its own
    assert "head" in problems_by_kind()


def test_json_output_for_monitoring(analyst):
    ids = record_events(analyst, 3)
    triggers_off()
    raw("UPDATE audit_auditevent SET after = %s WHERE id = %s", ['{"status": "settled"}', ids[1]])
    out = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("audit_verify", "--json", stdout=out)
    assert excinfo.value.returncode == 1
    report = json.loads(out.getvalue())
    assert report["checked"] == 3
    assert report["intact"] is False
    assert [(p["event_id"], p["kind"]) for p in report["problems"]] == [(ids[1], "edited")]


@pytest.mark.postgres
def test_postgres_refuses_update_delete_and_truncate_of_audit_rows(analyst):
    ids = record_events(analyst, 2)
    raw("SET CONSTRAINTS ALL IMMEDIATE")  # run pending deferred FK checks, which would block TRUNCATE
    for sql in (
        f"UPDATE audit_auditevent SET reason = 'edited' WHERE id = {ids[0]}",
        f"DELETE FROM audit_auditevent WHERE id = {ids[1]}",
        "TRUNCATE audit_auditevent",
    ):
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            raw(sql)
    assert list(AuditEvent.objects.values_list("reason", flat=True)) == ["approval 0", "approval 1"]
    assert audit_chain_verify() == (2, [])


@pytest.mark.postgres
def test_postgres_superuser_bypassing_triggers_is_caught(analyst):
    ids = record_events(analyst, 4)
    # A superuser session that skips triggers altogether (replication mode), then rewrites history.
    raw("SET LOCAL session_replication_role = replica")
    raw("UPDATE audit_auditevent SET reason = 'rewritten' WHERE id = %s", [ids[1]])
    raw("DELETE FROM audit_auditevent WHERE id = %s", [ids[2]])
    raw("SET LOCAL session_replication_role = origin")

    code, output = verify()

    assert code == 1
    assert f"event {ids[1]}" in output and f"event {ids[2]} was deleted" in output
    assert problems_by_kind() == {"edited": [ids[1]], "deleted": [ids[2]]}
