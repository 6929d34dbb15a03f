"""The REST API: one NinjaAPI with each app's router, OpenAPI docs at /api/docs."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError

from access.api_auth import API_AUTH
from alerts.api import router as alerts_router
from cases.api import router as cases_router
from smishing.api import router as smishing_router

api = NinjaAPI(
    title="fdsportal API",
    version="1",
    description="Transaction ingest, alerts, cases and smishing checks. Authenticate with a service "
    "token (`Authorization: Bearer fds_…`) or a staff session.",
    auth=API_AUTH,
    urls_namespace="api",
    # The schema names every endpoint and field: staff only, like the rest of the portal.
    docs_decorator=login_required,
)


@api.exception_handler(ValidationError)
def _validation_failed(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Every bad field of every row, with the row's index (for batches) and a plain message."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = {}
    rows = body.get("transactions") if isinstance(body, dict) else None
    errors = []
    for error in exc.errors:
        loc = [part for part in error.get("loc", ()) if part not in ("body", "payload", "query")]
        index = None
        if len(loc) >= 2 and loc[0] == "transactions" and isinstance(loc[1], int):
            index = loc[1]
            loc = loc[2:]
        external_id = None
        if (
            index is not None
            and isinstance(rows, list)
            and index < len(rows)
            and isinstance(rows[index], dict)
        ):
            external_id = rows[index].get("external_id")
        elif isinstance(body, dict) and isinstance(body.get("external_id"), str):
            external_id = body["external_id"]
        errors.append(
            {
                "index": index if index is not None else 0,
                "external_id": external_id if isinstance(external_id, str) else None,
                "field": ".".join(str(p) for p in loc) or "body",
                "message": str(error.get("msg", "invalid")),
            }
        )
    return api.create_response(request, {"detail": "invalid request", "errors": errors}, status=422)


api.add_router("/", alerts_router)
api.add_router("/", cases_router)
api.add_router("/smishing/", smishing_router)
