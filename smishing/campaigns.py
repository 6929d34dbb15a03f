"""Campaigns: near-duplicate submissions grouped by MinHash LSH."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, Max
from django.utils import timezone

from smishing import similarity
from smishing.models import (
    Campaign,
    SimilarityBucket,
    Submission,
)

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
