"""The REST API: one NinjaAPI with each app's router, OpenAPI docs at /api/docs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.security import HttpBearer, django_auth

from fdsportal.services import api_token_authenticate


class ServiceToken(HttpBearer):
    """`Authorization: Bearer fds_…` for service clients (core banking, gateways)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is None:
            return None
        request.user = user
        return user


def require_perm(request: HttpRequest, perm: str) -> None:
    """403 unless the authenticated caller (token or session) holds `perm`."""
    if not request.user.has_perm(perm):
        raise HttpError(403, f"permission {perm} required")


api = NinjaAPI(
    title="fdsportal API",
    version="1",
    description="Transaction ingest, alerts, cases and smishing checks. Authenticate with a service "
    "token (`Authorization: Bearer fds_…`) or a staff session.",
    auth=[ServiceToken(), django_auth],
    urls_namespace="api",
)


def _register_routers() -> None:
    from alerts.api import router as alerts_router
    from cases.api import router as cases_router
    from smishing.api import router as smishing_router

    api.add_router("/", alerts_router)
    api.add_router("/", cases_router)
    api.add_router("/smishing/", smishing_router)


_register_routers()
