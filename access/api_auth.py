"""The API's authentication and permission check, imported by the root API and every app's router.

It lives below the apps (it imports none of them), so a router can import it without the import
cycle that a check kept next to the root API, which imports the routers, would create.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer, django_auth

from access.services import api_token_authenticate


class ServiceToken(HttpBearer):
    """`Authorization: Bearer fds_…` for service clients (core banking, gateways)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is None:
            return None
        request.user = user  # type: ignore[assignment]  # a token's user is always a full User
        return user


# A service token, or a signed-in staff session.
API_AUTH = [ServiceToken(), django_auth]


def require_perm(request: HttpRequest, perm: str) -> None:
    """403 unless the authenticated caller (token or session) holds `perm`."""
    if not request.user.has_perm(perm):
        raise HttpError(403, f"permission {perm} required")
