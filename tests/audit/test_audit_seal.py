"""Attacks on the end of the audit trail and on its key: truncation, a replayed head, a full wipe,
a forged checkpoint, and keys that rotate or were never configured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from audit.checkpoint import audit_checkpoint_read
from audit.models import AuditChainHead, AuditEvent
from audit.tasks import audit_checkpoint_write_task
from tests.audit.test_audit_verify import raw, record_events, triggers_off, verify

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]


def cut_off_the_end(keep_through: int) -> None:
    """A database superuser deletes the newest events and moves the head back to match."""
    triggers_off()
    raw("DELETE FROM audit_auditevent WHERE id > %s", [keep_through])
    kept = AuditEvent.objects.get(pk=keep_through)
    raw(
        "UPDATE audit_auditchainhead SET last_event_id = %s, last_hash = %s",
        [kept.pk, kept.entry_hash],
    )


def test_deleting_the_last_events_and_resetting_the_head_is_detected(analyst):
    ids = record_events(analyst, 5)
    cut_off_the_end(ids[2])
    code, output = verify()
    assert code == 1
    assert "HEAD" in output and "fails its seal" in output


def test_a_replayed_old_head_row_is_caught_by_the_checkpoint(analyst):
    ids = record_events(analyst, 3)
    assert verify()[0] == 0  # intact: the checkpoint now names event 3
    old_head = AuditChainHead.objects.values("last_event_id", "last_hash", "seal", "key_id").get()
    record_events(analyst, 2)
    audit_checkpoint_write_task()  # beat: checkpoint moves to event 5
    checkpoint, _ = audit_checkpoint_read()
    assert checkpoint is not None and checkpoint.last_event_id == ids[2] + 2
    # The intruder deletes events 4 and 5 and restores the head row saved earlier (valid seal).
    triggers_off()
    raw("DELETE FROM audit_auditevent WHERE id > %s", [ids[2]])
    raw(
        "UPDATE audit_auditchainhead SET last_event_id = %s, last_hash = %s, seal = %s, key_id = %s",
        [old_head["last_event_id"], old_head["last_hash"], old_head["seal"], old_head["key_id"]],
    )
    code, output = verify()
    assert code == 1
    assert "CHECKPOINT" in output and "cut off the end" in output


def test_a_full_wipe_is_detected(analyst):
    record_events(analyst, 4)
    assert verify()[0] == 0
    triggers_off()
    raw("DELETE FROM audit_auditevent")
    raw("DELETE FROM audit_auditchainhead")
    code, output = verify()
    assert code == 1 and "wiped" in output


def test_a_truncated_trail_is_never_checkpointed(analyst):
    ids = record_events(analyst, 4)
    audit_checkpoint_write_task()
    cut_off_the_end(ids[1])
    result = audit_checkpoint_write_task()
    assert result["problems"] and result["last_event_id"] is None
    checkpoint, _ = audit_checkpoint_read()
    assert checkpoint is not None and checkpoint.last_event_id == ids[3]  # the evidence survives
    assert verify()[0] == 1


def test_an_edited_checkpoint_file_is_detected(analyst):
    ids = record_events(analyst, 3)
    assert verify()[0] == 0
    path = Path(settings.FDS_AUDIT_CHECKPOINT_PATH)
    document = json.loads(path.read_text())
    # Someone with the file but not the key moves the checkpoint back to hide a truncation.
    document["last_event_id"] = ids[0]
    document["last_hash"] = AuditEvent.objects.get(pk=ids[0]).entry_hash
    path.write_text(json.dumps(document))
    code, output = verify()
    assert code == 1 and "fails its seal" in output


def test_verify_writes_the_checkpoint_only_when_intact(analyst):
    record_events(analyst, 2)
    assert verify()[0] == 0
    stat = Path(settings.FDS_AUDIT_CHECKPOINT_PATH).stat()
    assert stat.st_mode & 0o077 == 0  # readable by the owner only


def test_keys_rotate_and_old_events_verify_with_their_own_key(analyst):
    # The analyst's role grant was sealed with the installation's key: retired along the way too.
    original = {settings.FDS_AUDIT_HMAC_KEY_ID: settings.FDS_AUDIT_HMAC_KEY}
    with override_settings(FDS_AUDIT_HMAC_KEY="first-key-" + "a" * 32, FDS_AUDIT_HMAC_KEY_ID="k1"):
        record_events(analyst, 2)
    rotated = {"FDS_AUDIT_HMAC_KEY": "second-key-" + "b" * 32, "FDS_AUDIT_HMAC_KEY_ID": "k2"}
    retired = {**original, "k1": "first-key-" + "a" * 32}
    with override_settings(**rotated, FDS_AUDIT_HMAC_RETIRED_KEYS=retired):
        record_events(analyst, 2)
        newest = list(AuditEvent.objects.order_by("-id").values_list("key_id", flat=True)[:4])
        assert newest == ["k2", "k2", "k1", "k1"]
        code, output = verify()
        assert code == 0, output
    # Forget the retired key: its events can no longer be vouched for, and verify says why.
    with override_settings(**rotated, FDS_AUDIT_HMAC_RETIRED_KEYS=original):
        code, output = verify()
        assert code == 1 and "key id 'k1'" in output


def _settings_import(var_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FDS_", "DJANGO_"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; from django.conf import settings; settings.SECRET_KEY"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "fdsportal.settings", "FDS_VAR_DIR": str(var_dir)},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_start_up_fails_without_its_own_audit_key(tmp_path):
    secret = "s" * 50
    missing = _settings_import(tmp_path, DJANGO_SECRET_KEY=secret)
    assert missing.returncode != 0 and "FDS_AUDIT_HMAC_KEY must be set" in missing.stderr
    same = _settings_import(tmp_path, DJANGO_SECRET_KEY=secret, FDS_AUDIT_HMAC_KEY=secret)
    assert same.returncode != 0 and "its own secret" in same.stderr
    good = _settings_import(tmp_path, DJANGO_SECRET_KEY=secret, FDS_AUDIT_HMAC_KEY="k" * 40)
    assert good.returncode == 0, good.stderr
    dev = _settings_import(tmp_path, FDS_INSECURE_DEV_KEY="true")
    assert dev.returncode == 0, dev.stderr


def test_the_checkpoint_is_written_on_a_schedule():
    from fdsportal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["audit-checkpoint"]
    assert entry["task"] == audit_checkpoint_write_task.name
    assert entry["task"] in app.tasks
