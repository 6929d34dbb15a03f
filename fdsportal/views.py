from __future__ import annotations

import sys
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_GET, require_POST

from access.language import SESSION_KEY as LANGUAGE_SESSION_KEY
from access.language import LanguageInvalid, language_check, user_language_set
from access.lockouts import LockoutNotFound, lockouts_active
from access.lockouts import lockout_release as lockout_release_service
from access.middleware import set_language_cookie
from fdsportal.middleware import DATABASE_UNAVAILABLE, database_unavailable_response


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
    return HttpResponse(_("Your account has no role yet. Ask an administrator."), status=403)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
@permission_required("axes.delete_accessattempt", raise_exception=True)
@require_GET
def lockouts(request: HttpRequest) -> HttpResponse:
    """Sign-ins locked out now (a username from one address), with an unlock button each."""
    page = Paginator(lockouts_active(), 50).get_page(request.GET.get("page"))
    return render(request, "registration/lockouts.html", {"page": page})


@login_required
@permission_required("axes.delete_accessattempt", raise_exception=True)
@require_POST
def lockout_release(request: HttpRequest, attempt_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "").strip()[:500]
    if not reason:
        messages.error(request, _("Say why the lockout is lifted (for example: owner verified by phone)."))
        return redirect("lockouts")
    try:
        attempt = lockout_release_service(attempt_id=attempt_id, actor=request.user, reason=reason)
    except LockoutNotFound:
        messages.error(request, _("That lockout has already been lifted or has expired."))
        return redirect("lockouts")
    messages.success(
        request,
        _("%(username)s may sign in from %(address)s again.")
        % {"username": attempt.username, "address": attempt.ip_address},
    )
    return redirect("lockouts")


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The language switch in the top bar (CSRF-checked POST). Saved on the signed-in person, and in
    the language cookie so the login page follows; before login only the cookie. An unknown code is
    refused with 400 and changes nothing."""
    try:
        language = language_check(request.POST.get("language", ""))
    except LanguageInvalid as exc:
        return render(request, "language_invalid.html", {"error": str(exc)}, status=400)
    if request.user.is_authenticated:
        user_language_set(user=request.user, language=language)
        request.session[LANGUAGE_SESSION_KEY] = language
    translation.activate(language)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("home") if request.user.is_authenticated else reverse("login")
    response = HttpResponseRedirect(target)
    set_language_cookie(response, language)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage met in middleware (sessions, authentication, lockout) is a 503
    like one met in a view; anything else is the usual 500 page. Django calls this while handling
    the exception, so sys.exc_info() names it."""
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return database_unavailable_response(request)
    return defaults.server_error(request)


@require_GET
def tryout_index(request: HttpRequest) -> HttpResponse:
    """The "what to try" guides: the signed-in user's role first, every role listed."""
    from fdsportal.tryout import GUIDES, guide_for_user

    guide = guide_for_user(request.user)
    if guide is not None:
        return redirect("tryout", slug=guide.slug)
    return render(request, "tryout/index.html", {"guides": GUIDES})


@require_GET
def tryout(request: HttpRequest, slug: str) -> HttpResponse:
    """One role's walk through the demo, with links to the real pages and the login to use."""
    from fdsportal.tryout import GUIDE_BY_SLUG, GUIDES, demo_logins, guide_steps

    guide = GUIDE_BY_SLUG.get(slug)
    if guide is None:
        return HttpResponse(_("No such guide."), status=404)
    logins = demo_logins()
    return render(
        request,
        "tryout/guide.html",
        {
            "guide": guide,
            "guides": GUIDES,
            "steps": guide_steps(guide),
            "login": guide.login if guide.login in logins else "",
            "password": logins.get(guide.login, ""),
            "second_login": "analyst2" if guide.slug == "analyst" and "analyst2" in logins else "",
            "second_password": logins.get("analyst2", "") if guide.slug == "analyst" else "",
        },
    )
