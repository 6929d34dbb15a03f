"""Audit events for changes to who may do what: role (group) membership, direct permissions and the
superuser/staff flags of user accounts.

Signals, not a service, on purpose: these rows change through the Django admin, `manage.py shell`,
`createsuperuser` and the demo set-up alike, and a role change that any code path can make without
leaving an event is exactly the gap an insider would use. The event is written in the transaction
of the change when there is one (the admin's), else in its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission, User
from django.db import transaction
from django.db.models.signals import m2m_changed, post_save, pre_save

from audit.services import audit_record

_actor: ContextVar[AbstractBaseUser | AnonymousUser | None] = ContextVar("audit_actor", default=None)

_FLAGS = ("is_superuser", "is_staff", "is_active")


@contextmanager
def audit_actor(actor: AbstractBaseUser | AnonymousUser | None) -> Iterator[None]:
    """Attribute the role changes made inside the block to `actor` (e.g. the administrator)."""
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def _record(*, action: str, user_id: int, before: dict[str, Any], after: dict[str, Any]) -> None:
    username = User.objects.filter(pk=user_id).values_list("username", flat=True).first() or ""
    with transaction.atomic():
        audit_record(
            action=action,
            target=("auth.user", str(user_id)),
            actor=_actor.get(),
            system_actor="system:unattributed",
            before=before,
            after={"username": username, **after},
        )


def _names(model: type[Any], pks: set[int]) -> list[str]:
    if model is Group:
        return sorted(Group.objects.filter(pk__in=pks).values_list("name", flat=True))
    return sorted(
        f"{app}.{codename}"
        for app, codename in Permission.objects.filter(pk__in=pks).values_list(
            "content_type__app_label", "codename"
        )
    )


def _membership_changed(
    *, sender: Any, instance: Any, action: str, reverse: bool, model: Any, pk_set: set[int] | None, **_: Any
) -> None:
    kind = "groups" if sender is User.groups.through else "permissions"
    if action == "pre_clear":
        # What is about to go: the whole current set.
        related = (
            instance.user_set
            if reverse
            else getattr(instance, "groups" if kind == "groups" else "user_permissions")
        )
        pk_set = set(related.values_list("pk", flat=True))
        verb = "removed"
    elif action in ("post_add", "post_remove"):
        verb = "added" if action == "post_add" else "removed"
    else:
        return
    if not pk_set:
        return
    code = f"auth.user.{'role' if kind == 'groups' else 'permission'}_{'granted' if verb == 'added' else 'revoked'}"
    if reverse:  # group.user_set.add(user, …): one event per user
        names = _names(type(instance), {instance.pk})
        for user_id in sorted(pk_set):
            _record(action=code, user_id=user_id, before={}, after={kind: names})
    else:
        _record(action=code, user_id=instance.pk, before={}, after={kind: _names(model, pk_set)})


def _flags_before(*, instance: User, update_fields: Any = None, raw: bool = False, **_: Any) -> None:
    if raw or instance.pk is None or (update_fields is not None and not set(update_fields) & set(_FLAGS)):
        instance._audit_flags_before = None  # type: ignore[attr-defined]
        return
    instance._audit_flags_before = User.objects.filter(pk=instance.pk).values(*_FLAGS).first()  # type: ignore[attr-defined]


def _flags_after(*, instance: User, created: bool, **_: Any) -> None:
    before = getattr(instance, "_audit_flags_before", None)
    now = {flag: getattr(instance, flag) for flag in _FLAGS}
    if created:
        before = {"is_superuser": False, "is_staff": False, "is_active": now["is_active"]}
    if before is None or before == now:
        return
    changed = {flag for flag in _FLAGS if before.get(flag) != now[flag]}
    _record(
        action="auth.user.flags_changed",
        user_id=instance.pk,
        before={flag: before.get(flag) for flag in sorted(changed)},
        after={flag: now[flag] for flag in sorted(changed)},
    )


def connect() -> None:
    for through in (User.groups.through, User.user_permissions.through):
        m2m_changed.connect(
            _membership_changed, sender=through, dispatch_uid=f"audit-roles-{through.__name__}"
        )
    pre_save.connect(_flags_before, sender=User, dispatch_uid="audit-user-flags-before")
    post_save.connect(_flags_after, sender=User, dispatch_uid="audit-user-flags-after")
