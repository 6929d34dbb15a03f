"""Compliance QA: a keyed sample of dismissed alerts and the reviewers' verdicts on them."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.models import Alert
from audit.services import audit_record
from cases.errors import CaseActionRefused
from cases.models import (
    QaReview,
)

# --- QA sampling ---------------------------------------------------------------------------------


def qa_sampled(*, alert_id: int) -> bool:
    """Whether a dismissed alert falls into the QA sample (share FDS_QA_SAMPLE_RATE, default 0.1).

    A keyed hash, not a coin toss: the same alert always gets the same answer (repeatable), and
    analysts cannot predict which dismissals will be reviewed.
    """
    rate = float(settings.FDS_QA_SAMPLE_RATE)
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:qa-sample:{alert_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def qa_sample_dismissed(*, alert: Alert) -> QaReview | None:
    """Put a just-dismissed alert into the QA queue if sampled. Must run inside the dismissal's
    transaction; safe to repeat (one review per alert)."""
    if not qa_sampled(alert_id=alert.pk):
        return None
    review, created = QaReview.objects.get_or_create(alert=alert)
    if created:
        audit_record(
            action="cases.qa.sampled",
            target=review,
            system_actor="system:qa-sampling",
            after={"alert": alert.pk},
        )
    return review


def qa_review_record(*, review_id: int, actor: User, outcome: str, comment: str = "") -> QaReview:
    """A compliance reviewer's verdict on one sampled dismissal. Recorded once; a second attempt is
    refused and changes nothing."""
    if not actor.has_perm("cases.review_qa"):
        raise CaseActionRefused(_("You may not record QA reviews."))
    if outcome not in QaReview.Outcome.values:
        raise CaseActionRefused(_("Choose a review outcome."))
    comment = comment.strip()
    if outcome != QaReview.Outcome.AGREE and not comment:
        raise CaseActionRefused(_("Explain why the dismissal was not right."))
    now = timezone.now()
    with transaction.atomic():
        won = QaReview.objects.filter(pk=review_id, reviewed_at__isnull=True).update(
            outcome=outcome, comment=comment, reviewed_by=actor, reviewed_at=now
        )
        if not won:
            raise CaseActionRefused(_("This alert was already reviewed."))
        review = QaReview.objects.select_related("alert").get(pk=review_id)
        audit_record(
            action="cases.qa.reviewed",
            target=review,
            actor=actor,
            after={"outcome": outcome, "alert": review.alert_id},
            reason=comment,
        )
    return review
