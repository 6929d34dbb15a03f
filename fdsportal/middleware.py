"""Answers for requests the product cannot serve right now."""

from __future__ import annotations

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext

# psycopg's "connection refused", "server closed the connection", "terminating connection due to
# administrator command" and a pool timeout all arrive as one of these two.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON for the API, a page for people. Touches no database and no
    context processor, so it renders while the database is down."""
    message = gettext("The service is briefly unavailable. Nothing you sent was lost; try again shortly.")
    response: HttpResponse
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"detail": message, "retry_after": RETRY_AFTER_SECONDS}, status=503)
    else:
        response = HttpResponse(
            render_to_string("503.html", {"message": message, "retry_after": RETRY_AFTER_SECONDS}),
            status=503,
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware(MiddlewareMixin):
    """A view that meets a database outage answers 503 (retry later), not 500 (a bug).

    Exceptions raised inside other middleware never reach process_exception; `handler500`
    (fdsportal.views.server_error) gives those the same answer. Once the database is back, Django's
    health-checked connections reconnect on the next request: nothing needs a restart.
    """

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_UNAVAILABLE):
            return database_unavailable_response(request)
        return None
