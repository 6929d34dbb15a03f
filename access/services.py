"""API token services: issue a token, authenticate a bearer token."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import User
from django.utils import timezone

from access.models import ApiToken


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the clear token, which is never stored.
    Not idempotent: each call issues a new token."""
    key = "fds_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(name=name, user=user, prefix=key[:12], key_hash=_hash(key))
    return token, key


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
