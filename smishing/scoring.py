"""Scoring queued submissions: claim, predict, indicators, explanations, campaigns, live push."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import AuditEntry, audit_record_many
from smishing import model_versions, push
from smishing.campaigns import campaign_assign
from smishing.engine import (
    LABELS,
    LlmExplainer,
)
from smishing.model_versions import SYSTEM_ACTOR
from smishing.models import (
    Indicator,
    Label,
    Submission,
)

logger = logging.getLogger(__name__)


# --- Scoring --------------------------------------------------------------------------------------


def _claimable() -> Q:
    """Queued rows, and rows a worker claimed but never finished (it died: acks_late redelivers the
    task, and this lets the redelivery or any later batch pick the row up again)."""
    stale = timezone.now() - timedelta(seconds=int(settings.FDS_SMISHING_CLAIM_TIMEOUT))
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
    batch_size = batch_size or int(settings.FDS_SMISHING_SCORE_BATCH)
    token, claimed = _claim(submission_ids, batch_size)
    if not claimed:
        return []
    push.submissions_push(claimed)
    rows = list(Submission.objects.filter(pk__in=claimed, claim_token=token).order_by("pk"))
    try:
        version_id, version_name, model = model_versions.model_active_get()
        verdicts = model.predict([row.text for row in rows])
    except Exception:
        # No text in the log: only ids.
        logger.exception("smishing scoring failed for submissions %s", claimed)
        Submission.objects.filter(pk__in=claimed, claim_token=token).update(status=Submission.Status.FAILED)
        push.submissions_push(claimed)
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
        transaction.on_commit(lambda: push.submissions_push(scored))
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
        if (kind, start) in seen or not indicator.span.is_slice_of(row.text):
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
    push.submissions_push(done)


def _paragraph_grounded(paragraph: str, text: str) -> bool:
    from smishing.engine import paragraph_is_grounded

    return bool(paragraph_is_grounded(paragraph, text))


_explainer_cache: dict[str, Any] = {}


def explainer_get() -> LlmExplainer | None:
    """The process's LLM explainer, or None when FDS_SMISHING_LLM_ENDPOINTS is empty (the default)."""
    endpoints = settings.FDS_SMISHING_LLM_ENDPOINTS or []
    if isinstance(endpoints, str):
        endpoints = [e.strip() for e in endpoints.split(",") if e.strip()]
    if not endpoints:
        return None
    key = ",".join(endpoints)
    if key not in _explainer_cache:
        _explainer_cache.clear()
        _explainer_cache[key] = LlmExplainer(
            endpoints,
            model=settings.FDS_SMISHING_LLM_MODEL or "default",
            api_key=settings.FDS_SMISHING_LLM_API_KEY or None,
            timeout=float(settings.FDS_SMISHING_LLM_TIMEOUT),
            max_concurrency=int(settings.FDS_SMISHING_LLM_MAX_CONCURRENCY),
        )
    return _explainer_cache[key]
