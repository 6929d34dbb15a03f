from __future__ import annotations

import sys

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views import defaults
from django.views.decorators.http import require_GET

from fdsportal.middleware import DATABASE_UNAVAILABLE, database_unavailable_response


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to the page it works from."""
    user = request.user
    if user.has_perm("alerts.triage_alert"):
        return redirect("alerts:queue")
    if user.has_perm("audit.view_auditevent"):
        return redirect("audit:search")
    if user.has_perm("smishing.add_submission"):
        return redirect("smishing:submit")
    return HttpResponse("Your account has no role yet. Ask an administrator.", status=403)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage met in middleware (sessions, authentication, lockout) is a 503
    like one met in a view; anything else is the usual 500 page. Django calls this while handling
    the exception, so sys.exc_info() names it."""
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return database_unavailable_response(request)
    return defaults.server_error(request)
