from __future__ import annotations

from django.db import models

from audit.models import AuditEvent


def audit_events_for(target: models.Model) -> models.QuerySet[AuditEvent]:
    """Every event recorded about one object, oldest first."""
    return AuditEvent.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk)).order_by(
        "id"
    )
