"""Writes of the smishing app: intake, scoring, campaigns, labelling, training sets and models.

Each function shows its side effects in one place: the state change, the audit event (same
transaction, last), the enqueue and the broadcast (both after commit).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from audit.services import AuditEntry, audit_record, audit_record_many
from fdsportal.spreadsheets import spreadsheet_safe
from fdsportal.textmatch import compile_pattern
from smishing import realtime, selectors, similarity
from smishing.engine import (
    LABELS,
    LlmExplainer,
    SmishingModel,
    evaluate,
    generate_corpus,
    is_abusive,
    mask_personal_data,
    split_by_template,
    train,
)
from smishing.models import (
    Campaign,
    ConsentText,
    Indicator,
    Label,
    ReasonFeedback,
    RetrainJob,
    SimilarityBucket,
    SmishingModelVersion,
    Submission,
    TrainingSet,
    TrainingSetItem,
)

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "system:smishing"
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


class ModelActivationRefused(ValueError):
    pass


def max_text_chars() -> int:
    return int(getattr(settings, "FDS_SMISHING_MAX_CHARS", 2000))


def _corpus_per_template() -> int:
    return int(getattr(settings, "FDS_SMISHING_CORPUS_PER_TEMPLATE", 30))


def _split_seed() -> int:
    # The held-out templates must be the same for every model compared, so the seed is fixed.
    return int(getattr(settings, "FDS_SMISHING_SPLIT_SEED", 0))


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
    limit = int(getattr(settings, "FDS_SMISHING_RATE_PER_MINUTE", 30))
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
        raise SubmissionInvalid("Paste the text of the message.")
    if len(text) > max_text_chars():
        raise SubmissionInvalid(f"The text is longer than {max_text_chars()} characters.")
    if "\x00" in text:
        raise SubmissionInvalid("The text contains a NUL character.")
    sender = (sender or "").strip()
    if not _SENDER_ALLOWED.match(sender):
        raise SubmissionInvalid("The sender number may hold digits, spaces, +, -, ( and ) only.")
    consent_text = None
    if consent:
        consent_text = consent_text_current()
        if consent_version and consent_version != consent_text.version:
            raise SubmissionInvalid(
                f"Consent version {consent_version} is not the current one ({consent_text.version})."
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


# --- Models: the process cache, bootstrap, activation -------------------------------------------------

_model_lock = threading.Lock()
_model_cache: dict[str, Any] = {"version_id": None, "version_name": "", "model": None}


def model_active_get() -> tuple[int, str, SmishingModel]:
    """(version id, name, loaded model) of the active model; trains one first if none exists.

    The model is loaded once per process and kept until another version becomes active; checking
    which version is active costs one indexed query per scoring batch.
    """
    row = SmishingModelVersion.objects.filter(is_active=True).values("id", "name").first()
    if row is None:
        version = model_bootstrap()
        row = {"id": version.pk, "name": version.name}
    with _model_lock:
        if _model_cache["version_id"] != row["id"]:
            artifact = SmishingModelVersion.objects.values_list("artifact", flat=True).get(pk=row["id"])
            _model_cache["model"] = SmishingModel.loads(bytes(artifact))
            _model_cache["version_id"] = row["id"]
            _model_cache["version_name"] = row["name"]
        return row["id"], row["name"], _model_cache["model"]


def _held_out_split(*, per_template: int | None = None) -> tuple[list[Any], list[Any]]:
    corpus = generate_corpus(seed=_split_seed(), per_template=per_template or _corpus_per_template())
    return split_by_template(corpus, test_share=0.25, seed=_split_seed())


def _new_version_name(prefix: str) -> str:
    return f"{prefix}-{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


def _activate(version: SmishingModelVersion) -> SmishingModelVersion | None:
    """Make `version` the active one inside the caller's transaction; returns the one it replaced."""
    previous = SmishingModelVersion.objects.select_for_update().filter(is_active=True).first()
    if previous is not None and previous.pk == version.pk:
        return None
    if previous is not None:
        SmishingModelVersion.objects.filter(pk=previous.pk).update(is_active=False)
    SmishingModelVersion.objects.filter(pk=version.pk).update(is_active=True, activated_at=timezone.now())
    version.is_active = True
    return previous


def model_bootstrap(*, actor: User | None = None, per_template: int | None = None) -> SmishingModelVersion:
    """Train a model from the generated corpus and activate it, unless a model is already active.

    Side effects: a SmishingModelVersion (artifact and held-out metrics) and the audit events
    `smishing.model.created` / `smishing.model.activated`. Safe to repeat and to race: a second
    caller that loses the race for the one-active constraint returns the winner.
    """
    active = SmishingModelVersion.objects.filter(is_active=True).first()
    if active is not None:
        return active
    train_part, test_part = _held_out_split(per_template=per_template)
    model, report = train(
        [e.text for e in train_part],
        [e.label for e in train_part],
        groups=[e.template_id for e in train_part],
        seed=_split_seed(),
    )
    metrics = evaluate(model, [e.text for e in test_part], [e.label for e in test_part])
    try:
        with transaction.atomic():
            version = SmishingModelVersion.objects.create(
                name=_new_version_name("bootstrap"),
                engine_version=str(getattr(model, "version", "")),
                created_by=actor,
                artifact=model.dumps(),
                metrics={"held_out": metrics, "training": _jsonable(report)},
                is_active=True,
                activated_at=timezone.now(),
            )
            audit_record_many(
                [
                    AuditEntry(
                        action="smishing.model.created",
                        target=version,
                        actor=actor,
                        system_actor=SYSTEM_ACTOR,
                        after={"name": version.name, "held_out": metrics},
                        model_version=version.name,
                    ),
                    AuditEntry(
                        action="smishing.model.activated",
                        target=version,
                        actor=actor,
                        system_actor=SYSTEM_ACTOR,
                        reason="bootstrap: no model was active",
                        after={"is_active": True},
                        model_version=version.name,
                    ),
                ]
            )
    except IntegrityError:
        return SmishingModelVersion.objects.get(is_active=True)
    return version


def model_train_from_rows(
    *, texts: list[str], labels: list[str], actor: User | None, name: str = "", activate: bool
) -> SmishingModelVersion:
    """Train on external labelled rows (the `smishing_train` command) and store the version.

    Side effects: a SmishingModelVersion; with `activate`, it becomes the active model (audited).
    Not idempotent: each call stores a new version.
    """
    bad = sorted({label for label in labels if label not in LABELS})
    if bad:
        raise ValueError(f"unknown labels {bad}; use {list(LABELS)}")
    model, report = train(texts, labels, seed=_split_seed())
    with transaction.atomic():
        version = SmishingModelVersion.objects.create(
            name=name or _new_version_name("import"),
            engine_version=str(getattr(model, "version", "")),
            created_by=actor,
            artifact=model.dumps(),
            metrics={"training": _jsonable(report), "rows": len(texts)},
        )
        entries = [
            AuditEntry(
                action="smishing.model.created",
                target=version,
                actor=actor,
                system_actor="system:smishing_train",
                after={"name": version.name, "rows": len(texts)},
                model_version=version.name,
            )
        ]
        if activate:
            previous = _activate(version)
            entries.append(
                AuditEntry(
                    action="smishing.model.activated",
                    target=version,
                    actor=actor,
                    system_actor="system:smishing_train",
                    reason="activated by the smishing_train command",
                    before={"active": previous.name if previous else None},
                    after={"active": version.name},
                    model_version=version.name,
                )
            )
        audit_record_many(entries)
    return version


def model_version_activate(*, version: SmishingModelVersion, actor: User, reason: str) -> None:
    """Make an earlier or held model active by a user's decision (rollback, approval).

    Side effects: the one-active flag moves; audit `smishing.model.activated`. Safe to repeat: the
    active version activated again records nothing.
    """
    if not actor.has_perm("smishing.retrain_model"):
        raise ModelActivationRefused("permission smishing.retrain_model required")
    if not reason.strip():
        raise ModelActivationRefused("Give a reason for activating this model.")
    with transaction.atomic():
        version = SmishingModelVersion.objects.select_for_update().get(pk=version.pk)
        if version.is_active:
            return
        previous = _activate(version)
        audit_record(
            action="smishing.model.activated",
            target=version,
            actor=actor,
            reason=reason,
            before={"active": previous.name if previous else None},
            after={"active": version.name},
            model_version=version.name,
        )


def _jsonable(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, default=str))


# --- Scoring --------------------------------------------------------------------------------------


def _claimable() -> Q:
    """Queued rows, and rows a worker claimed but never finished (it died: acks_late redelivers the
    task, and this lets the redelivery or any later batch pick the row up again)."""
    stale = timezone.now() - timedelta(seconds=int(getattr(settings, "FDS_SMISHING_CLAIM_TIMEOUT", 120)))
    return Q(status=Submission.Status.QUEUED) | Q(status=Submission.Status.ANALYSING, claimed_at__lt=stale)


def _claim(submission_ids: list[int], batch_size: int) -> tuple[str, list[int]]:
    """Mark claimable rows as analysing with our token; rows another worker claimed first are skipped."""
    token = uuid.uuid4().hex
    wanted = list(Submission.objects.filter(_claimable(), pk__in=submission_ids).values_list("pk", flat=True))
    room = batch_size - len(wanted)
    if room > 0:
        # Texts queued meanwhile ride along: one predict call costs about the same for 1 or 100 rows.
        wanted += list(
            Submission.objects.filter(_claimable())
            .exclude(pk__in=wanted)
            .order_by("pk")
            .values_list("pk", flat=True)[:room]
        )
    if not wanted:
        return token, []
    Submission.objects.filter(_claimable(), pk__in=wanted).update(
        status=Submission.Status.ANALYSING, claim_token=token, claimed_at=timezone.now()
    )
    claimed = list(Submission.objects.filter(claim_token=token).values_list("pk", flat=True))
    return token, claimed


def submissions_score_stale() -> list[int]:
    """Score whatever is still queued or was abandoned by a dead worker (for the beat schedule).

    Safe to repeat: claims are conditional, so rows being scored elsewhere are left alone.
    """
    return submissions_score(submission_ids=[])


def _uncertainty(probabilities: dict[str, float]) -> float:
    top = sorted(probabilities.values(), reverse=True) + [0.0, 0.0]
    return round(1.0 - (top[0] - top[1]), 6)


def submissions_score(*, submission_ids: list[int], batch_size: int | None = None) -> list[int]:
    """Score the given queued submissions (plus other queued ones, up to the batch size).

    Side effects: status queued → analysing → done (pushed live at each step), the verdict, its
    indicators, the LSH buckets and campaign, and one `smishing.submission.scored` audit event per
    row. Safe to repeat: only rows still queued are claimed, so a redelivered task scores nothing
    twice. Returns the ids it scored.
    """
    batch_size = batch_size or int(getattr(settings, "FDS_SMISHING_SCORE_BATCH", 64))
    token, claimed = _claim(submission_ids, batch_size)
    if not claimed:
        return []
    realtime.submissions_push(claimed)
    rows = list(Submission.objects.filter(pk__in=claimed, claim_token=token).order_by("pk"))
    try:
        version_id, version_name, model = model_active_get()
        verdicts = model.predict([row.text for row in rows])
    except Exception:
        # No text in the log: only ids.
        logger.exception("smishing scoring failed for submissions %s", claimed)
        Submission.objects.filter(pk__in=claimed, claim_token=token).update(status=Submission.Status.FAILED)
        realtime.submissions_push(claimed)
        raise
    scored: list[int] = []
    verdict_by_id: dict[int, Any] = {}
    now = timezone.now()
    with transaction.atomic():
        entries: list[AuditEntry] = []
        for row, verdict in zip(rows, verdicts, strict=True):
            from smishing.rendering import grounded_reasons

            reasons = grounded_reasons(row.text, [reason.to_dict() for reason in verdict.reasons])
            probabilities = {k: round(float(v), 6) for k, v in verdict.probabilities.items()}
            label = verdict.label if verdict.label in LABELS else Label.UNKNOWN
            updated = Submission.objects.filter(
                pk=row.pk, claim_token=token, status=Submission.Status.ANALYSING
            ).update(
                status=Submission.Status.DONE,
                model_label=label,
                label=row.analyst_label or label,
                probability=round(float(verdict.probability), 6),
                probabilities=probabilities,
                reasons=reasons,
                uncertainty=_uncertainty(probabilities),
                model_version_id=version_id,
                scored_at=now,
            )
            if updated != 1:
                continue
            row.label = row.analyst_label or label
            _indicators_store(row, verdict.indicators)
            campaign_assign(submission=row)
            scored.append(row.pk)
            verdict_by_id[row.pk] = verdict
            entries.append(
                AuditEntry(
                    action="smishing.submission.scored",
                    target=("smishing.submission", str(row.pk)),
                    system_actor=SYSTEM_ACTOR,
                    after={"label": label, "reasons": [r["code"] for r in reasons]},
                    model_version=version_name,
                    score=float(verdict.probability),
                )
            )
        audit_record_many(entries)
        transaction.on_commit(lambda: realtime.submissions_push(scored))
    _explain(verdict_by_id)
    return scored


def _indicators_store(row: Submission, indicators: Iterable[Any]) -> None:
    objects = []
    seen: set[tuple[str, int]] = set()
    for indicator in indicators:
        kind = indicator.kind
        if kind not in Indicator.Kind.values:
            continue
        start, end = indicator.span.start, indicator.span.end
        if (kind, start) in seen or row.text[start:end] != indicator.span.text:
            continue
        seen.add((kind, start))
        normalized = str(indicator.normalized)
        if kind in (Indicator.Kind.PHONE, Indicator.Kind.ACCOUNT):
            normalized = Indicator.number_key(kind, normalized)
        else:
            normalized = normalized.lower()
        if not normalized:
            continue
        objects.append(
            Indicator(
                submission=row,
                kind=kind,
                value=str(indicator.value)[:500],
                normalized=normalized[:255],
                start=start,
                end=end,
            )
        )
    if row.sender:
        # The sender number is the scammer's too: it counts like a call-back number.
        objects.append(
            Indicator(
                submission=row,
                kind=Indicator.Kind.PHONE,
                value=row.sender,
                normalized=row.sender,
                start=0,
                end=0,
                from_sender=True,
            )
        )
    Indicator.objects.bulk_create(objects, ignore_conflicts=True)


def _explain(verdict_by_id: dict[int, Any]) -> None:
    """Optional LLM paragraph; stored only when grounded in the message. Runs outside transactions,
    after the verdict was pushed, so a slow backend never delays the answer."""
    if not verdict_by_id:
        return
    explainer = explainer_get()
    if explainer is None:
        return
    done: list[int] = []
    for row in Submission.objects.filter(pk__in=list(verdict_by_id), status=Submission.Status.DONE):
        paragraph = explainer.explain(row.text, verdict_by_id[row.pk])
        if paragraph and _paragraph_grounded(paragraph, row.text):
            Submission.objects.filter(pk=row.pk).update(explanation=paragraph)
            done.append(row.pk)
    realtime.submissions_push(done)


def _paragraph_grounded(paragraph: str, text: str) -> bool:
    from smishing.engine import paragraph_is_grounded

    return bool(paragraph_is_grounded(paragraph, text))


_explainer_cache: dict[str, Any] = {}


def explainer_get() -> LlmExplainer | None:
    """The process's LLM explainer, or None when FDS_SMISHING_LLM_ENDPOINTS is empty (the default)."""
    endpoints = getattr(settings, "FDS_SMISHING_LLM_ENDPOINTS", None) or []
    if isinstance(endpoints, str):
        endpoints = [e.strip() for e in endpoints.split(",") if e.strip()]
    if not endpoints:
        return None
    key = ",".join(endpoints)
    if key not in _explainer_cache:
        _explainer_cache.clear()
        _explainer_cache[key] = LlmExplainer(
            endpoints,
            model=getattr(settings, "FDS_SMISHING_LLM_MODEL", "") or "default",
            api_key=getattr(settings, "FDS_SMISHING_LLM_API_KEY", None) or None,
            timeout=float(getattr(settings, "FDS_SMISHING_LLM_TIMEOUT", 5.0)),
            max_concurrency=int(getattr(settings, "FDS_SMISHING_LLM_MAX_CONCURRENCY", 4)),
        )
    return _explainer_cache[key]


# --- Campaigns --------------------------------------------------------------------------------------


def campaign_assign(*, submission: Submission) -> Campaign | None:
    """Store the report's MinHash signature and LSH keys and join it to a campaign of near-duplicates.

    Must run inside the caller's transaction. Side effects: signature, SimilarityBucket rows, the
    campaign (created when the nearest report had none) and its counters. Not idempotent by itself;
    the scoring claim makes it run once per report.
    """
    signature = similarity.signature_of(submission.text)
    if not signature:
        return None
    keys = similarity.band_keys(signature)
    candidate_ids = list(
        SimilarityBucket.objects.filter(key__in=keys)
        .exclude(submission_id=submission.pk)
        .values_list("submission_id", flat=True)
        .distinct()[:500]
    )
    SimilarityBucket.objects.bulk_create([SimilarityBucket(submission_id=submission.pk, key=k) for k in keys])
    Submission.objects.filter(pk=submission.pk).update(signature=signature)
    matches = sorted(
        (
            (similarity.similarity(signature, bytes(other_signature)), other_id, campaign_id)
            for other_id, other_signature, campaign_id in Submission.objects.filter(
                pk__in=candidate_ids
            ).values_list("pk", "signature", "campaign_id")
        ),
        reverse=True,
    )
    matches = [m for m in matches if m[0] >= similarity.SIMILARITY_THRESHOLD]
    if not matches:
        return None
    campaign_id = next((m[2] for m in matches if m[2] is not None), None)
    now = timezone.now()
    if campaign_id is None:
        campaign = Campaign.objects.create(first_seen_at=now, last_seen_at=now)
        campaign_id = campaign.pk
    loose = [other_id for _sim, other_id, other_campaign in matches if other_campaign is None]
    Submission.objects.filter(pk__in=[submission.pk, *loose], campaign__isnull=True).update(
        campaign_id=campaign_id
    )
    submission.campaign_id = campaign_id
    return campaign_refresh(campaign_id=campaign_id)


def campaign_refresh(*, campaign_id: int) -> Campaign:
    """Recount a campaign's size, time range and majority label. Safe to repeat."""
    members = Submission.objects.filter(campaign_id=campaign_id)
    stats = members.aggregate(n=Count("pk"), last=Max("created_at"))
    first = members.order_by("created_at").values_list("created_at", flat=True).first()
    labels = Counter(members.exclude(label="").values_list("label", flat=True))
    Campaign.objects.filter(pk=campaign_id).update(
        size=stats["n"] or 0,
        last_seen_at=stats["last"] or timezone.now(),
        first_seen_at=first or timezone.now(),
        label=labels.most_common(1)[0][0] if labels else "",
    )
    return Campaign.objects.get(pk=campaign_id)


# --- Labelling --------------------------------------------------------------------------------------


def submission_label(*, submission_id: int, label: str, actor: User) -> Submission:
    """Set the analyst label (it overrides the model's for the FDS and campaigns).

    Side effects: the label fields, the campaign's majority label, audit `smishing.submission.labelled`.
    Safe to repeat: the same label again changes and records nothing.
    """
    if not actor.has_perm("smishing.label_submission"):
        raise PermissionError("permission smishing.label_submission required")
    if label not in Label.values:
        raise SubmissionInvalid(f"Unknown label {label!r}.")
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission_id)
        if submission.is_abusive:
            raise SubmissionInvalid("Abusive input has no text to label.")
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
        raise SubmissionInvalid("The note is longer than 1000 characters.")
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission_id)
        codes = {reason.get("code") for reason in submission.reasons or []}
        if code not in codes:
            raise SubmissionInvalid("That reason was not given for this message.")
        if not is_wrong and not note:
            raise SubmissionInvalid("Mark the reason wrong or write a note.")
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


# --- Training sets ----------------------------------------------------------------------------------


def _content_hash(rows: list[tuple[int, str, str]]) -> str:
    digest = hashlib.sha256()
    for submission_id, label, text in sorted(rows):
        digest.update(f"{submission_id}\x1f{label}\x1f{text}\x1e".encode())
    return digest.hexdigest()


def training_set_create(*, actor: User | None) -> TrainingSet:
    """Snapshot every consented, non-abusive, labelled submission as a new numbered training set.

    Side effects: a TrainingSet with its items and audit `smishing.trainingset.created`. Safe to
    repeat: when nothing changed since the newest set (same content hash), that set is returned.
    """
    rows = list(selectors.submissions_trainable().values_list("pk", "analyst_label", "text"))
    content_hash = _content_hash(rows)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                latest = TrainingSet.objects.select_for_update().order_by("-version").first()
                if latest is not None and latest.content_hash == content_hash:
                    return latest
                training_set = TrainingSet.objects.create(
                    version=(latest.version + 1) if latest else 1,
                    created_by=actor,
                    size=len(rows),
                    content_hash=content_hash,
                    label_counts=dict(Counter(label for _pk, label, _text in rows)),
                )
                TrainingSetItem.objects.bulk_create(
                    [
                        TrainingSetItem(training_set=training_set, submission_id=pk, label=label)
                        for pk, label, _text in rows
                    ]
                )
                audit_record(
                    action="smishing.trainingset.created",
                    target=training_set,
                    actor=actor,
                    system_actor=SYSTEM_ACTOR,
                    after={
                        "version": training_set.version,
                        "size": training_set.size,
                        "content_hash": content_hash,
                    },
                )
                return training_set
        except IntegrityError:
            continue  # another writer took this version number; read again and retry
    raise RuntimeError("could not allocate a training-set version")


def training_set_export_csv(*, training_set: TrainingSet, actor: User) -> str:
    """The set as CSV (`text,label`). Side effect: audit `smishing.trainingset.exported`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["text", "label"])
    count = 0
    for text, label in selectors.training_set_rows(training_set=training_set):
        # Submitted texts are anyone's input: a spreadsheet must show them, never run them.
        writer.writerow([spreadsheet_safe(text), label])
        count += 1
    with transaction.atomic():
        audit_record(
            action="smishing.trainingset.exported",
            target=training_set,
            actor=actor,
            after={"rows": count, "content_hash": training_set.content_hash},
        )
    return buffer.getvalue()


# --- Retraining -------------------------------------------------------------------------------------


def model_is_not_worse(*, candidate: dict[str, Any], baseline: dict[str, Any] | None) -> bool:
    """The activation rule: neither macro-F1 nor smishing recall drops on the held-out templates."""
    if not baseline:
        return True
    tolerance = float(getattr(settings, "FDS_SMISHING_ACTIVATION_TOLERANCE", 0.0))
    return (
        float(candidate.get("macro_f1", 0.0)) >= float(baseline.get("macro_f1", 0.0)) - tolerance
        and float(candidate.get("smishing_recall", 0.0))
        >= float(baseline.get("smishing_recall", 0.0)) - tolerance
    )


class RetrainRefused(ValueError):
    pass


def retrain_job_start(*, actor: User) -> RetrainJob:
    """Snapshot a training set and queue a retraining job.

    Side effects: a TrainingSet (or the unchanged newest one), a RetrainJob, audit
    `smishing.retrain.started`; after commit, the Celery task. Refused while another job runs.
    """
    if not actor.has_perm("smishing.retrain_model"):
        raise PermissionError("permission smishing.retrain_model required")
    running = RetrainJob.objects.filter(status__in=[RetrainJob.Status.QUEUED, RetrainJob.Status.RUNNING])
    if running.exists():
        raise RetrainRefused("A retraining job is already running.")
    training_set = training_set_create(actor=actor)
    with transaction.atomic():
        if running.exists():  # checked again: another start may have slipped in meanwhile
            raise RetrainRefused("A retraining job is already running.")
        job = RetrainJob.objects.create(created_by=actor, training_set=training_set, message="queued")
        audit_record(
            action="smishing.retrain.started",
            target=job,
            actor=actor,
            after={"training_set": training_set.version, "size": training_set.size},
        )
        job_id = job.pk
        transaction.on_commit(lambda: _enqueue_retrain(job_id))
    return job


def _enqueue_retrain(job_id: int) -> None:
    from smishing.tasks import retrain_job_run_task

    retrain_job_run_task.delay(job_id)


@dataclass
class _ProgressWriter:
    job_id: int
    last_write: float = 0.0
    last_value: float = -1.0

    def __call__(self, value: float, message: str, *, force: bool = False) -> None:
        value = max(0.0, min(1.0, float(value)))
        now = time.monotonic()
        if not force and value - self.last_value < 0.02 and now - self.last_write < 0.5:
            return
        self.last_write, self.last_value = now, value
        RetrainJob.objects.filter(pk=self.job_id).update(progress=value, message=message[:200])
        realtime.retrain_push(RetrainJob.objects.get(pk=self.job_id))


def retrain_job_run(*, job_id: int, per_template: int | None = None) -> RetrainJob:
    """Train on the generated corpus plus the job's training set, evaluate on held-out templates,
    and activate the new model if it is not worse than the active one (else hold it for approval).

    Side effects: progress on the job row (pushed live), a SmishingModelVersion, the outcome, audit
    `smishing.model.created` and `smishing.model.activated` or `smishing.model.held_for_approval`.
    Safe to repeat: only a queued job is claimed.
    """
    claimed = RetrainJob.objects.filter(pk=job_id, status=RetrainJob.Status.QUEUED).update(
        status=RetrainJob.Status.RUNNING, message="starting"
    )
    job = RetrainJob.objects.select_related("training_set").get(pk=job_id)
    if claimed != 1:
        return job
    progress = _ProgressWriter(job_id)
    progress(0.01, "generating the corpus", force=True)
    try:
        train_part, test_part = _held_out_split(per_template=per_template)
        extra = list(selectors.training_set_rows(training_set=job.training_set)) if job.training_set else []
        texts = [e.text for e in train_part] + [text for text, _label in extra]
        labels = [e.label for e in train_part] + [label for _text, label in extra]
        groups = [e.template_id for e in train_part] + [f"submission-{i}" for i in range(len(extra))]
        progress(0.05, f"training on {len(texts)} messages ({len(extra)} labelled reports)", force=True)
        model, report = train(
            texts,
            labels,
            groups=groups,
            seed=_split_seed(),
            progress=lambda value, message: progress(0.05 + 0.8 * float(value), message),
        )
        progress(0.87, "evaluating on held-out templates", force=True)
        test_texts, test_labels = [e.text for e in test_part], [e.label for e in test_part]
        candidate_metrics = evaluate(model, test_texts, test_labels)
        baseline = SmishingModelVersion.objects.filter(is_active=True).first()
        baseline_metrics = (
            evaluate(SmishingModel.loads(bytes(baseline.artifact)), test_texts, test_labels)
            if baseline
            else None
        )
        progress(0.95, "deciding", force=True)
        not_worse = model_is_not_worse(candidate=candidate_metrics, baseline=baseline_metrics)
        evaluation = {
            "held_out_templates": sorted({e.template_id for e in test_part}),
            "candidate": candidate_metrics,
            "baseline": baseline_metrics,
            "baseline_name": baseline.name if baseline else None,
            "not_worse": not_worse,
            "training_rows": len(texts),
            "labelled_reports": len(extra),
        }
        with transaction.atomic():
            version = SmishingModelVersion.objects.create(
                name=_new_version_name("retrain"),
                engine_version=str(getattr(model, "version", "")),
                created_by=job.created_by,
                artifact=model.dumps(),
                metrics={"held_out": candidate_metrics, "training": _jsonable(report)},
                training_set=job.training_set,
            )
            entries = [
                AuditEntry(
                    action="smishing.model.created",
                    target=version,
                    actor=job.created_by,
                    after={"name": version.name, "held_out": candidate_metrics},
                    model_version=version.name,
                    context={"retrain_job": job.pk},
                )
            ]
            if not_worse:
                previous = _activate(version)
                outcome = RetrainJob.Outcome.ACTIVATED
                entries.append(
                    AuditEntry(
                        action="smishing.model.activated",
                        target=version,
                        actor=job.created_by,
                        reason="not worse than the active model on the held-out templates",
                        before={"active": previous.name if previous else None},
                        after={"active": version.name},
                        model_version=version.name,
                        context=_jsonable(evaluation),
                    )
                )
            else:
                outcome = RetrainJob.Outcome.AWAITING_APPROVAL
                entries.append(
                    AuditEntry(
                        action="smishing.model.held_for_approval",
                        target=version,
                        actor=job.created_by,
                        reason="worse than the active model on the held-out templates",
                        model_version=version.name,
                        context=_jsonable(evaluation),
                    )
                )
            RetrainJob.objects.filter(pk=job.pk).update(
                status=RetrainJob.Status.SUCCEEDED,
                progress=1.0,
                message="done",
                model_version=version,
                baseline_version=baseline,
                report=_jsonable(evaluation),
                outcome=outcome,
                finished_at=timezone.now(),
            )
            audit_record_many(entries)
    except Exception as exc:
        logger.exception("smishing retraining job %s failed", job_id)
        RetrainJob.objects.filter(pk=job_id).update(
            status=RetrainJob.Status.FAILED,
            message="failed",
            error=str(exc)[:2000],
            finished_at=timezone.now(),
        )
        realtime.retrain_push(RetrainJob.objects.get(pk=job_id))
        raise
    job = RetrainJob.objects.get(pk=job_id)
    realtime.retrain_push(job)
    return job


def retrain_job_approve(*, job_id: int, actor: User, reason: str) -> RetrainJob:
    """Activate a model that was held for being worse, by explicit approval.

    Side effects: the outcome moves awaiting_approval → approved (conditional update), the model
    becomes active, audit `smishing.model.approved` and `smishing.model.activated`. Safe to repeat:
    a second approval finds nothing awaiting and changes nothing.
    """
    if not actor.has_perm("smishing.retrain_model"):
        raise PermissionError("permission smishing.retrain_model required")
    if not reason.strip():
        raise ModelActivationRefused("Say why the worse model should be activated.")
    with transaction.atomic():
        updated = RetrainJob.objects.filter(
            pk=job_id, outcome=RetrainJob.Outcome.AWAITING_APPROVAL, model_version__isnull=False
        ).update(outcome=RetrainJob.Outcome.APPROVED)
        job = RetrainJob.objects.select_related("model_version").get(pk=job_id)
        if updated != 1:
            return job
        version = job.model_version
        assert version is not None
        previous = _activate(version)
        audit_record_many(
            [
                AuditEntry(
                    action="smishing.model.approved",
                    target=version,
                    actor=actor,
                    reason=reason,
                    model_version=version.name,
                    context={"retrain_job": job.pk, "report": job.report},
                ),
                AuditEntry(
                    action="smishing.model.activated",
                    target=version,
                    actor=actor,
                    reason=reason,
                    before={"active": previous.name if previous else None},
                    after={"active": version.name},
                    model_version=version.name,
                ),
            ]
        )
    return job
