"""Analysts' labels on submissions and employees' feedback on reasons."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from smishing.campaigns import campaign_refresh
from smishing.intake import SubmissionInvalid
from smishing.models import (
    Label,
    ReasonFeedback,
    Submission,
)

# --- Labelling --------------------------------------------------------------------------------------


def submission_label(*, submission_id: int, label: str, actor: User) -> Submission:
    """Set the analyst label (it overrides the model's for the FDS and campaigns).

    Side effects: the label fields, the campaign's majority label, audit `smishing.submission.labelled`.
    Safe to repeat: the same label again changes and records nothing.
    """
    if not actor.has_perm("smishing.label_submission"):
        raise PermissionError("permission smishing.label_submission required")
    if label not in Label.values:
        raise SubmissionInvalid(_("Unknown label %(label)s.") % {"label": repr(label)})
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission_id)
        if submission.is_abusive:
            raise SubmissionInvalid(_("Abusive input has no text to label."))
        if submission.analyst_label == label:
            return submission
        before = {"analyst_label": submission.analyst_label, "label": submission.label}
        submission.analyst_label = label
        submission.label = label
        submission.labelled_by = actor  # type: ignore[assignment]
        submission.labelled_at = timezone.now()
        submission.save(update_fields=["analyst_label", "label", "labelled_by", "labelled_at"])
        if submission.campaign_id:
            campaign_refresh(campaign_id=submission.campaign_id)
        audit_record(
            action="smishing.submission.labelled",
            target=submission,
            actor=actor,
            before=before,
            after={"analyst_label": label, "label": label},
        )
    return submission


def reason_feedback_add(
    *, submission_id: int, code: str, is_wrong: bool, note: str, actor: User
) -> ReasonFeedback:
    """Record an analyst's correction of one shown reason. Side effects: a row and its audit event.

    Not idempotent: each call adds a note.
    """
    if not actor.has_perm("smishing.label_submission"):
        raise PermissionError("permission smishing.label_submission required")
    note = (note or "").strip()
    if len(note) > 1000:
        raise SubmissionInvalid(_("The note is longer than 1000 characters."))
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission_id)
        codes = {reason.get("code") for reason in submission.reasons or []}
        if code not in codes:
            raise SubmissionInvalid(_("That reason was not given for this message."))
        if not is_wrong and not note:
            raise SubmissionInvalid(_("Mark the reason wrong or write a note."))
        feedback = ReasonFeedback.objects.create(
            submission=submission, code=code, is_wrong=is_wrong, note=note, created_by=actor
        )
        audit_record(
            action="smishing.reason.corrected",
            target=submission,
            actor=actor,
            after={"code": code, "is_wrong": is_wrong, "note": note},
        )
    return feedback
