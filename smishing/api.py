"""Smishing intake over HTTP (mounted at /api/smishing/, listed in /api/docs).

Submit a text, then poll `GET /api/smishing/submissions/{id}` (or follow the websocket of the page)
until `status` is `done`. Callers see only their own submissions unless they hold
`smishing.view_submission`.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from access.api_auth import require_perm
from smishing import intake, selectors
from smishing.models import Submission

router = Router(tags=["smishing"])


class SubmissionIn(Schema):
    text: str = Field(..., description="The message exactly as received (masked before storage).")
    sender: str = Field("", max_length=40, description="The sender number, if known.")
    consent: bool = Field(False, description="The submitter agreed the text may be used for training.")
    consent_version: str | None = Field(
        None, description="Version of the consent text shown; must be the current one when given."
    )


class SpanOut(Schema):
    start: int
    end: int
    text: str


class ReasonOut(Schema):
    code: str
    weight: float
    text_ko: str
    text_en: str
    evidence: list[SpanOut]


class IndicatorOut(Schema):
    kind: str
    value: str
    normalized: str


class SubmissionOut(Schema):
    id: int
    status: str
    created_at: datetime
    is_abusive: bool
    reply_ko: str | None = None
    reply_en: str | None = None
    label: str | None = None
    probability: float | None = None
    probabilities: dict[str, float] = {}
    reasons: list[ReasonOut] = []
    indicators: list[IndicatorOut] = []
    explanation: str | None = None
    consent_version: str | None = None
    poll_url: str


class ConsentOut(Schema):
    version: str
    text_ko: str
    text_en: str


class ErrorOut(Schema):
    detail: str


def _out(submission: Submission) -> dict:
    from smishing.rendering import grounded_reasons

    body: dict = {
        "id": submission.pk,
        "status": submission.status,
        "created_at": submission.created_at,
        "is_abusive": submission.is_abusive,
        "poll_url": reverse("api:smishing_submission_get", kwargs={"submission_id": submission.pk}),
        "consent_version": submission.consent_text.version if submission.consent_text else None,
    }
    if submission.is_abusive:
        from smishing.engine import ABUSE_REPLY_EN, ABUSE_REPLY_KO

        body.update(reply_ko=ABUSE_REPLY_KO, reply_en=ABUSE_REPLY_EN)
    if submission.status == Submission.Status.DONE:
        body.update(
            label=submission.label,
            probability=submission.probability,
            probabilities=submission.probabilities or {},
            reasons=grounded_reasons(submission.text, submission.reasons or []),
            indicators=[
                {"kind": i.kind, "value": i.value, "normalized": i.normalized}
                for i in submission.indicators.all()
            ],
            explanation=submission.explanation or None,
        )
    return body


@router.get("/consent", response=ConsentOut, url_name="smishing_consent")
def consent_current(request: HttpRequest) -> dict:
    """The consent wording to show before a submitter ticks "may be used for training"."""
    require_perm(request, "smishing.add_submission")
    consent = intake.consent_text_current()
    return {"version": consent.version, "text_ko": consent.text_ko, "text_en": consent.text_en}


@router.post(
    "/submissions",
    response={200: SubmissionOut, 202: SubmissionOut, 400: ErrorOut, 429: ErrorOut},
    url_name="smishing_submission_create",
)
def submission_create(request: HttpRequest, payload: SubmissionIn) -> HttpResponse | Status:
    """Check a text. 202 while it is scored (poll `poll_url`); 200 with a fixed reply for abusive
    input, which is neither scored nor stored. Rate-limited per user: 429 with Retry-After."""
    require_perm(request, "smishing.add_submission")
    user = request.user
    assert isinstance(user, User)
    retry_after = intake.submission_rate_check(user=request.user)
    if retry_after is not None:
        response = JsonResponse({"detail": f"rate limit: retry in {retry_after} s"}, status=429)
        response["Retry-After"] = str(retry_after)
        return response
    try:
        submission = intake.submission_create(
            user=user,
            text=payload.text,
            sender=payload.sender,
            consent=payload.consent,
            consent_version=payload.consent_version,
            source=Submission.Source.API,
        )
    except intake.SubmissionInvalid as exc:
        return Status(400, {"detail": str(exc)})
    submission = Submission.objects.select_related("consent_text").get(pk=submission.pk)
    return Status(200 if submission.is_abusive else 202, _out(submission))


@router.get(
    "/submissions/{submission_id}",
    response={200: SubmissionOut, 404: ErrorOut},
    url_name="smishing_submission_get",
)
def submission_get(request: HttpRequest, submission_id: int) -> dict:
    """A submission's state and, once `done`, its verdict with reasons and their evidence spans."""
    if not (
        request.user.has_perm("smishing.add_submission") or request.user.has_perm("smishing.view_submission")
    ):
        require_perm(request, "smishing.add_submission")
    submission = get_object_or_404(
        selectors.submissions_visible_to(request.user)
        .select_related("consent_text")
        .prefetch_related("indicators"),
        pk=submission_id,
    )
    return _out(submission)
