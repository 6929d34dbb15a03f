from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One recorded decision or state change. Append-only: the database refuses UPDATE and DELETE.

    Events form a chain: `entry_hash` is an HMAC over the event's content and the previous event's
    hash, so an edited, deleted or inserted row breaks the chain at that point (`audit_verify`).
    """

    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The actor's username at the time (users can be renamed) or "system:<component>".
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=100, db_index=True)  # dotted code, e.g. cases.refund.approved
    target_type = models.CharField(max_length=60)  # app_label.model
    target_id = models.CharField(max_length=64)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    model_version = models.CharField(max_length=100, blank=True)
    score = models.FloatField(null=True, blank=True)
    context = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)
    # Which key sealed the event (settings.FDS_AUDIT_HMAC_KEY_ID when written), so keys can rotate.
    key_id = models.CharField(max_length=40)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["target_type", "target_id", "id"], name="audit_target_idx")]
        permissions = [("export_auditevent", "Can export audit events")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.target_type}:{self.target_id} by {self.actor_label}"


class AuditChainHead(models.Model):
    """A single row: the hash of the newest event. Writers lock it, which serialises the chain.

    The row is sealed (an HMAC over the id and hash it names), so cutting events off the end and
    moving the head back to match is detected; the checkpoint outside the database catches a replay
    of an old head row and a wipe of everything.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_event_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    seal = models.CharField(max_length=64, blank=True)
    key_id = models.CharField(max_length=40, blank=True)

    def __str__(self) -> str:
        return f"audit chain head at event {self.last_event_id}"
