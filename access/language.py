"""Each person's interface language: saved on the user, applied at every request and at login.

The saved choice wins; without one, the language cookie (which the login page sets too); without
that, Korean (LANGUAGE_CODE). API calls of service clients (no session) are answered in
FDS_REASON_LANGUAGE, the language for where no person is involved. The browser's Accept-Language is never consulted. The choice is read
from the database once per session and kept in the session, so pages pay no extra query.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SESSION_KEY = "fds_language"


class LanguageInvalid(ValueError):
    """A language code the portal does not offer."""


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def language_check(code: str) -> str:
    """The code itself if offered; raises LanguageInvalid with a message a person can read."""
    if code not in language_codes():
        raise LanguageInvalid(
            _("Unknown language %(code)s. Choose one of: %(choices)s.")
            % {"code": code[:20] or "-", "choices": ", ".join(language_codes())}
        )
    return code


def user_language(user: Any) -> str | None:
    """The language this person saved, or None."""
    from access.models import UserPreference

    if not getattr(user, "is_authenticated", False):
        return None
    language = UserPreference.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    return language or None


def user_language_set(*, user: Any, language: str) -> str:
    """Save this person's interface language (validated first: a bad code changes nothing). Safe to
    repeat."""
    from access.models import UserPreference

    language_check(language)
    with transaction.atomic():
        UserPreference.objects.update_or_create(
            user_id=user.pk, defaults={"language": language, "updated_at": timezone.now()}
        )
    return language


def request_language(request: HttpRequest) -> str:
    """The language this request is shown in (see the module docstring for the order)."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is not None and user.is_authenticated and session is not None:
        cached = session.get(SESSION_KEY)
        if cached is None:
            cached = user_language(user) or ""
            session[SESSION_KEY] = cached
        if cached in language_codes():
            return cached
    if request.path.startswith("/api/"):
        # A service client (token, no session) has no person's language: the reason language.
        return settings.FDS_REASON_LANGUAGE
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if cookie in language_codes():
        return cookie
    return settings.LANGUAGE_CODE


@receiver(user_logged_in, dispatch_uid="access.language.on_login")
def _language_on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """At login the session starts afresh: load the saved language into it. A person with no saved
    choice who picked a language on the login page keeps it, and it is saved for them."""
    if request is None or not hasattr(request, "session"):
        return
    saved = user_language(user)
    if saved is None:
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if cookie in language_codes() and cookie != settings.LANGUAGE_CODE:
            saved = user_language_set(user=user, language=cookie)
    request.session[SESSION_KEY] = saved or ""


def scope_language(scope: dict[str, Any]) -> str:
    """The language of a websocket's person (Channels' scope), as request_language decides it for a
    page. Call from a thread: the session may have to be read."""
    user = scope.get("user")
    session = scope.get("session")
    if user is not None and getattr(user, "is_authenticated", False):
        cached = session.get(SESSION_KEY) if session is not None else None
        if cached is None:
            cached = user_language(user) or ""
        if cached in language_codes():
            return cached
    cookies = scope.get("cookies") or {}
    cookie = cookies.get(settings.LANGUAGE_COOKIE_NAME, "")
    if cookie in language_codes():
        return cookie
    return settings.LANGUAGE_CODE
