"""Smishing intake: consent, the per-user rate limit and storing a pasted text for scoring.

Each function shows its side effects in one place: the state change, the audit event (same
transaction, last) and the enqueue (after commit).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from smishing.engine import (
    is_abusive,
    mask_personal_data,
)
from smishing.models import (
    ConsentText,
    Indicator,
    Submission,
)
from untrusted.text import compile_pattern

_SENDER_ALLOWED = compile_pattern("smishing.sender", r"^[0-9+\-() .]{0,40}$")


# The consent wording in force. A new wording gets a new version here (and is published as a new
# ConsentText row on first use); rows already written keep pointing at the version they agreed to.
CONSENT_VERSION = "2026-11-v1"
CONSENT_TEXT_KO = (
    "붙여 넣은 문자(주민등록번호·카드번호는 저장 전에 가림 처리)를 "
    "스미싱 탐지 모델의 학습에 사용하는 데 "
    "동의합니다. 동의하지 않아도 검사 결과는 똑같이 받을 수 있으며, "
    "동의하지 않은 문자는 학습에 쓰이지 않습니다."
)
CONSENT_TEXT_EN = (
    "I agree that the pasted text (resident registration and card numbers are masked before storage) may be "
    "used to train the smishing detection model. The check works the same without consent, and texts without "
    "consent are never used for training."
)


class SubmissionInvalid(ValueError):
    """Input the intake refuses; the message is safe to show the submitter."""


def max_text_chars() -> int:
    return int(settings.FDS_SMISHING_MAX_CHARS)


# --- Intake -----------------------------------------------------------------------------------------


def consent_text_current() -> ConsentText:
    """The consent wording shown now: the newest published one.

    Side effect: publishes the built-in wording (CONSENT_VERSION) when no wording is published yet,
    e.g. on a database whose seeded row was flushed. Safe to repeat (get_or_create on the version).
    """
    consent = ConsentText.objects.order_by("-published_at", "-id").first()
    if consent is None:
        consent, _created = ConsentText.objects.get_or_create(
            version=CONSENT_VERSION, defaults={"text_ko": CONSENT_TEXT_KO, "text_en": CONSENT_TEXT_EN}
        )
    return consent


def submission_rate_check(*, user: User | AnonymousUser) -> int | None:
    """Count one submission against the user's per-minute budget; seconds to wait if over it, else None.

    Side effect: increments a counter in the Django cache (shared by every web process). A fixed
    one-minute window: simple, and at most twice the rate across a window edge, which is fine here.
    """
    limit = int(settings.FDS_SMISHING_RATE_PER_MINUTE)
    now = time.time()
    window = int(now // 60)
    key = f"smishing:rate:{user.pk}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    if count > limit:
        return max(1, int((window + 1) * 60 - now) + 1)
    return None


def submission_create(
    *,
    user: User,
    text: str,
    sender: str = "",
    consent: bool,
    consent_version: str | None = None,
    source: str = Submission.Source.WEB,
) -> Submission:
    """Store a pasted text (masked) and queue it for scoring; abusive input is stored without text.

    Side effects: one Submission row and its audit event; after commit, a scoring task with the id
    only (the text never travels in the Celery message). Abusive input gets status `refused`, no
    consent, no text, and is never queued. Not idempotent: each call is a new report.
    """
    if not isinstance(text, str) or not text.strip():
        raise SubmissionInvalid(_("Paste the text of the message."))
    if len(text) > max_text_chars():
        raise SubmissionInvalid(_("The text is longer than %(max)s characters.") % {"max": max_text_chars()})
    if "\x00" in text:
        raise SubmissionInvalid(_("The text contains a NUL character."))
    sender = (sender or "").strip()
    if not _SENDER_ALLOWED.match(sender):
        raise SubmissionInvalid(_("The sender number may hold digits, spaces, +, -, ( and ) only."))
    consent_text = None
    if consent:
        consent_text = consent_text_current()
        if consent_version and consent_version != consent_text.version:
            raise SubmissionInvalid(
                _("Consent version %(given)s is not the current one (%(current)s).")
                % {"given": consent_version, "current": consent_text.version}
            )

    if is_abusive(text):
        with transaction.atomic():
            submission = Submission.objects.create(
                submitted_by=user,
                source=source,
                text="",
                is_abusive=True,
                consent_given=False,
                status=Submission.Status.REFUSED,
            )
            audit_record(
                action="smishing.submission.refused_abusive",
                target=submission,
                actor=user,
                after={"status": submission.status, "source": source},
            )
        return submission

    masked = mask_personal_data(text)
    with transaction.atomic():
        submission = Submission.objects.create(
            submitted_by=user,
            source=source,
            text=masked,
            sender=Indicator.number_key(Indicator.Kind.PHONE, sender) if sender else "",
            consent_given=consent_text is not None,
            consent_text=consent_text,
            status=Submission.Status.QUEUED,
        )
        audit_record(
            action="smishing.submission.created",
            target=submission,
            actor=user,
            after={
                "status": submission.status,
                "source": source,
                "consent_version": consent_text.version if consent_text else None,
            },
        )
        submission_id = submission.pk
        transaction.on_commit(lambda: _enqueue_scoring(submission_id))
    return submission


def _enqueue_scoring(submission_id: int) -> None:
    from smishing.tasks import submission_score

    submission_score.delay(submission_id)
