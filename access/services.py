"""API token services: issue a token, authenticate a bearer token."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone

from access.models import ApiToken
from audit.services import audit_record


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, user: User, name: str, actor: User | None = None) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the clear token, which is never stored.

    Side effects: the token row and an `api.token.issued` audit event, in one transaction. Not
    idempotent: each call issues a new token."""
    key = "fds_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(name=name, user=user, prefix=key[:12], key_hash=_hash(key))
        audit_record(
            action="api.token.issued",
            target=token,
            actor=actor,
            system_actor="system:token-issue",
            after={"name": name, "user": user.get_username(), "prefix": token.prefix},
        )
    return token, key


def api_token_revoke(*, token_id: int, actor: User | AnonymousUser | None, reason: str = "") -> bool:
    """Revoke a token from now on, with an `api.token.revoked` audit event in the same transaction.

    Safe to repeat: returns False, and records nothing, when the token was already revoked."""
    with transaction.atomic():
        now = timezone.now()
        if not ApiToken.objects.filter(pk=token_id, revoked_at__isnull=True).update(revoked_at=now):
            return False
        token = ApiToken.objects.select_related("user").get(pk=token_id)
        audit_record(
            action="api.token.revoked",
            target=token,
            actor=actor,
            system_actor="system:token-revoke",
            before={"revoked_at": None},
            after={
                "revoked_at": now,
                "name": token.name,
                "user": token.user.get_username(),
                "prefix": token.prefix,
            },
            reason=reason,
        )
    return True


def api_token_authenticate(key: str) -> User | None:
    """The active user behind a clear token, or None. Records the last use (at most once a minute)."""
    if not key.startswith("fds_") or len(key) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user").filter(key_hash=_hash(key), revoked_at__isnull=True).first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
