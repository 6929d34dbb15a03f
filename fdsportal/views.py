from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET


class LoginView(auth_views.LoginView):
    """Django's login page; a signed-in user is sent on, and `next` never points back at login.

    `/login/?next=/login/` for a signed-in user made Django detect a redirect loop and raise (a 500).
    """

    redirect_authenticated_user = True

    def get_redirect_url(self) -> str:
        url = super().get_redirect_url()
        if url and urlsplit(url).path == reverse("login"):
            return ""
        return url


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
