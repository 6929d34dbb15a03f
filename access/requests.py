"""Who made a request, for views behind login_required."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest


def request_actor(request: HttpRequest) -> User:
    """The signed-in user of a view behind login_required (never anonymous there)."""
    user = request.user
    assert isinstance(user, User)
    return user
