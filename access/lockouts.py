"""Login lockouts: who is locked out from where, and the administrator's audited unlock.

Lockout counts failures per username *and* client address (django-axes, AXES_LOCKOUT_PARAMETERS):
whoever types wrong passwords for an approver from their own machine locks only that machine out
for that name, never the approver at their desk. Unlocking is an administrator's act and is audited;
the axes admin pages are off, so nobody can remove a lockout unrecorded.
"""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from audit.services import audit_record


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the address FDS_TRUSTED_PROXY_COUNT proxies reported.

    Behind a load balancer every request comes from the balancer: without this, "per address" would
    mean "everyone". Only the last N hops of X-Forwarded-For are trusted (the client can write the rest).
    """
    proxies = int(getattr(settings, "FDS_TRUSTED_PROXY_COUNT", 0))
    remote = str(request.META.get("REMOTE_ADDR", ""))
    if proxies <= 0:
        return remote
    hops = [
        hop.strip() for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if hop.strip()
    ]
    return hops[-proxies] if len(hops) >= proxies else remote


def lockouts_active() -> QuerySet[AccessAttempt]:
    """Username and address pairs locked out now, most recent first."""
    qs = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    if settings.AXES_COOLOFF_TIME:
        since = timezone.now() - timedelta(hours=float(settings.AXES_COOLOFF_TIME))
        qs = qs.filter(attempt_time__gte=since)
    return qs.order_by("-attempt_time")


class LockoutNotFound(Exception):
    pass


def lockout_release(
    *, attempt_id: int, actor: AbstractBaseUser | AnonymousUser, reason: str
) -> AccessAttempt:
    """Lift one lockout (a username from one address). Side effects: deletes the attempt record and
    writes `auth.lockout.released` in the same transaction. Not repeatable: a second call for the
    same id raises LockoutNotFound."""
    with transaction.atomic():
        attempt = AccessAttempt.objects.select_for_update().filter(pk=attempt_id).first()
        if attempt is None:
            raise LockoutNotFound(attempt_id)
        audit_record(
            action="auth.lockout.released",
            target=("axes.accessattempt", str(attempt.pk)),
            actor=actor,
            before={
                "username": attempt.username,
                "ip_address": attempt.ip_address,
                "failures": attempt.failures_since_start,
            },
            reason=reason,
        )
        attempt.delete()
    return attempt
