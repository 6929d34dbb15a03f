"""Activating a model version: the one-active flag and its audit event, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils import timezone

from audit.services import AuditEntry, audit_record_many


def activation_entry(
    *,
    action: str,
    version: models.Model,
    previous_name: str | None,
    actor: User | None = None,
    system_actor: str = "",
    reason: str = "",
    context: dict[str, Any] | None = None,
) -> AuditEntry:
    """The audit entry of an activation, in the one shape both apps use: which version was active
    before and which is now."""
    name = str(getattr(version, "name", ""))
    return AuditEntry(
        action=action,
        target=version,
        actor=actor,
        system_actor=system_actor,
        before={"active": previous_name},
        after={"active": name},
        reason=reason,
        model_version=name,
        context=context or {},
    )


def version_activate(
    *,
    version: models.Model,
    action: str,
    actor: User | None = None,
    system_actor: str = "",
    reason: str = "",
    context: dict[str, Any] | None = None,
) -> bool:
    """Make `version` the active one of its model and write the activation audit event (`action`).

    Side effects, in one transaction (the caller's, if any): the previously active row is locked
    and deactivated, `version` becomes active (and gets `activated_at` when the model has one),
    then the audit event. Safe to repeat: activating the active version changes and records
    nothing, and returns False.
    """
    model = type(version)
    with transaction.atomic():
        previous = model._default_manager.select_for_update().filter(is_active=True).first()
        if previous is not None and previous.pk == version.pk:
            return False
        if previous is not None:
            model._default_manager.filter(pk=previous.pk).update(is_active=False)
        values: dict[str, Any] = {"is_active": True}
        if any(field.name == "activated_at" for field in model._meta.get_fields()):
            values["activated_at"] = timezone.now()
        model._default_manager.filter(pk=version.pk).update(**values)
        version.is_active = True  # type: ignore[attr-defined]
        audit_record_many(
            [
                activation_entry(
                    action=action,
                    version=version,
                    previous_name=str(previous.name) if previous is not None else None,  # type: ignore[attr-defined]
                    actor=actor,
                    system_actor=system_actor,
                    reason=reason,
                    context=context,
                )
            ]
        )
    return True
