"""Reads of the smishing app. Every list a user sees goes through a function here that scopes it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from smishing import similarity
from smishing.engine.active import queue_order
from smishing.models import (
    BENIGN_LABELS,
    Campaign,
    Indicator,
    Label,
    SimilarityBucket,
    SmishingModelVersion,
    Submission,
    TrainingSet,
)


def _digits(value: str) -> str:
    return "".join(ch for ch in str(value) if ch.isdigit())


def indicator_report_counts(*, accounts: list[str], phones: list[str]) -> dict[str, int]:
    """How many distinct reports contain each account / phone number; keys are the digits-only input.

    Reports labelled `normal` or `ad` (by an analyst, else by the model) do not count, and abusive
    input has no indicators. One query on the (kind, normalized) index per call, however many
    numbers are asked for; every asked number is a key (0 when never reported). A phone number in
    +82 form matches its 0-prefixed domestic form.
    """
    asked_accounts = {_digits(a): Indicator.number_key(Indicator.Kind.ACCOUNT, a) for a in accounts}
    asked_phones = {_digits(p): Indicator.number_key(Indicator.Kind.PHONE, p) for p in phones}
    asked_accounts.pop("", None)
    asked_phones.pop("", None)
    result = dict.fromkeys([*asked_accounts, *asked_phones], 0)
    if not result:
        return result
    condition = Q()
    if asked_accounts:
        condition |= Q(kind=Indicator.Kind.ACCOUNT, normalized__in=set(asked_accounts.values()))
    if asked_phones:
        condition |= Q(kind=Indicator.Kind.PHONE, normalized__in=set(asked_phones.values()))
    rows = (
        Indicator.objects.filter(condition)
        .exclude(submission__label__in=BENIGN_LABELS)
        .values("kind", "normalized")
        .annotate(reports=Count("submission_id", distinct=True))
    )
    counts = {(row["kind"], row["normalized"]): row["reports"] for row in rows}
    for key, normalized in asked_accounts.items():
        result[key] = max(result[key], counts.get((Indicator.Kind.ACCOUNT, normalized), 0))
    for key, normalized in asked_phones.items():
        result[key] = max(result[key], counts.get((Indicator.Kind.PHONE, normalized), 0))
    return result


def submissions_visible_to(user: User | AnonymousUser) -> QuerySet[Submission]:
    """Analysts and compliance see every report; everyone else only their own."""
    if user.has_perm("smishing.view_submission"):
        return Submission.objects.all()
    if user.has_perm("smishing.add_submission"):
        return Submission.objects.filter(submitted_by_id=user.pk)
    return Submission.objects.none()


def submissions_of(user: User) -> QuerySet[Submission]:
    return Submission.objects.filter(submitted_by_id=user.pk).order_by("-created_at", "-id")


def submissions_search(
    *,
    user: User,
    query: str = "",
    label: str = "",
    status: str = "",
    labelled: str = "",
    consented: str = "",
    campaign_id: int | None = None,
) -> QuerySet[Submission]:
    """The analysts' list with its filters, newest first, scoped by `submissions_visible_to`."""
    qs = submissions_visible_to(user).select_related("submitted_by", "campaign")
    query = query.strip()
    if query:
        digits = _digits(query)
        match = Q(text__icontains=query) | Q(indicators__normalized__icontains=query.lower())
        if digits and len(digits) >= 4:
            match |= Q(indicators__normalized__contains=digits)
        if query.isdigit():
            match |= Q(pk=int(query))
        qs = qs.filter(match).distinct()
    if label in Label.values:
        qs = qs.filter(label=label)
    if status in Submission.Status.values:
        qs = qs.filter(status=status)
    if labelled == "yes":
        qs = qs.exclude(analyst_label="")
    elif labelled == "no":
        qs = qs.filter(analyst_label="")
    if consented == "yes":
        qs = qs.filter(consent_given=True)
    elif consented == "no":
        qs = qs.filter(consent_given=False)
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    return qs.order_by("-created_at", "-id")


def labelling_queue() -> QuerySet[Submission]:
    """Scored, unlabelled, non-abusive reports, the model's closest calls first (by uncertainty alone;
    the page orders them with `labelling_queue_ordered`)."""
    return (
        Submission.objects.filter(status=Submission.Status.DONE, analyst_label="", is_abusive=False)
        .exclude(uncertainty__isnull=True)
        .select_related("submitted_by")
        .order_by("-uncertainty", "created_at", "id")
    )


class OrderedQueue:
    """The labelling queue in active-learning order (`engine.active.queue_order`): closest calls first,
    each weighed by how many queued reports its campaign (near-duplicate cluster) holds, at most one
    per campaign and an equal share per predicted class in every batch of `QUEUE_BATCH`, as the replay
    in `bench/smishing_active.py` picks them; with `cold_start` (the scores come from a model that has
    learnt from no analyst label) the first batch is the largest campaigns. Sliceable and countable,
    so it pages like a queryset; a slice computes only the prefix it needs."""

    def __init__(self, queryset: QuerySet[Submission], *, cold_start: bool = False) -> None:
        self._queryset = queryset
        self._cold_start = cold_start
        self._rows: list[tuple[int, float, int | str, str]] | None = None
        self._order: list[int] = []

    def _candidates(self) -> list[tuple[int, float, int | str, str]]:
        if self._rows is None:
            rows = []
            values = self._queryset.order_by("created_at", "id").values_list(
                "id", "uncertainty", "campaign_id", "probabilities", "model_label"
            )
            for pk, uncertainty, campaign_id, probabilities, model_label in values:
                scores = {k: v for k, v in (probabilities or {}).items() if k != Label.UNKNOWN and v}
                predicted = max(scores, key=lambda k: scores[k]) if scores else model_label
                cluster: int | str = campaign_id if campaign_id is not None else f"submission-{pk}"
                rows.append((pk, float(uncertainty or 0.0), cluster, predicted))
            self._rows = rows
        return self._rows

    def _ids(self, stop: int) -> list[int]:
        rows = self._candidates()
        if len(self._order) < min(stop, len(rows)):
            self._order = queue_order(
                [r[1] for r in rows],
                [r[2] for r in rows],
                [r[3] for r in rows],
                limit=stop,
                cold_start=self._cold_start,
            )
        return [rows[i][0] for i in self._order[:stop]]

    def count(self) -> int:
        return len(self._candidates())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Submission]:
        if not isinstance(index, slice) or (index.step not in (None, 1)):
            raise TypeError("the queue is read by slices")
        start, stop = index.start or 0, index.stop if index.stop is not None else self.count()
        ids = self._ids(stop)[start:stop]
        found = self._queryset.model.objects.select_related("submitted_by").in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]


def active_model_learnt_from_labels() -> bool:
    """Whether the active smishing model was trained on labelled real reports (a retraining or
    `smishing_train`), not on the generated corpus alone: its training report counts real rows."""
    metrics = SmishingModelVersion.objects.filter(is_active=True).values_list("metrics", flat=True).first()
    training = (metrics or {}).get("training") if isinstance(metrics, dict) else None
    return bool(isinstance(training, dict) and training.get("real_rows"))


def labelling_queue_ordered() -> OrderedQueue:
    """What the labelling page lists: `labelling_queue` in the order active learning labels it, from a
    cold start (largest campaigns first) while the active model has learnt from no labelled report."""
    return OrderedQueue(labelling_queue(), cold_start=not active_model_learnt_from_labels())


def submissions_trainable() -> QuerySet[Submission]:
    """The only submissions that may ever enter a training set: consented (or imported by an import
    that allowed training), not abusive, with text, and labelled by an analyst with a class the model
    learns. Imported reports never train before an analyst labels them."""
    consented = Q(consent_given=True, consent_text__isnull=False, import_batch__isnull=True)
    imported = Q(import_batch__isnull=False, import_batch__training_allowed=True)
    return (
        Submission.objects.filter(consented | imported, is_abusive=False)
        .exclude(text="")
        .exclude(analyst_label__in=["", Label.UNKNOWN])
        .order_by("pk")
    )


def training_set_rows(*, training_set: TrainingSet) -> Iterator[tuple[str, str]]:
    """(text, label) of a set, in submission order. The consent filter is applied again here so a
    set can never leak a row that was not consented, whatever wrote its items."""
    rows = (
        training_set.items.filter(
            submission__consent_given=True,
            submission__consent_text__isnull=False,
            submission__is_abusive=False,
        )
        .exclude(submission__text="")
        .order_by("submission_id")
        .values_list("submission__text", "label")
    )
    yield from rows.iterator()


def submission_similar(*, submission: Submission, limit: int = 10) -> list[tuple[float, Submission]]:
    """Reports sharing an LSH band with this one, most similar first (the "similar reports" panel)."""
    signature = bytes(submission.signature or b"")
    if not signature:
        return []
    keys = similarity.band_keys(signature)
    candidate_ids = (
        SimilarityBucket.objects.filter(key__in=keys)
        .exclude(submission_id=submission.pk)
        .values_list("submission_id", flat=True)
        .distinct()[:500]
    )
    scored = [
        (similarity.similarity(signature, bytes(other.signature)), other)
        for other in Submission.objects.filter(pk__in=list(candidate_ids)).only(
            "pk", "signature", "text", "label", "created_at", "campaign_id", "status"
        )
    ]
    scored = [pair for pair in scored if pair[0] >= similarity.SIMILARITY_THRESHOLD]
    scored.sort(key=lambda pair: (-pair[0], -pair[1].pk))
    return scored[:limit]


def campaigns_list(*, label: str = "") -> QuerySet[Campaign]:
    qs = Campaign.objects.filter(size__gt=0)
    if label in Label.values:
        qs = qs.filter(label=label)
    return qs.order_by("-last_seen_at", "-id")


def campaign_indicators(*, campaign: Campaign) -> list[dict[str, Any]]:
    return list(
        Indicator.objects.filter(submission__campaign=campaign)
        .values("kind", "normalized")
        .annotate(reports=Count("submission_id", distinct=True))
        .order_by("-reports", "kind", "normalized")[:50]
    )


def campaign_daily_counts(*, campaign_ids: list[int], days: int = 30) -> list[dict[str, Any]]:
    """Reports per campaign per day (aggregate rows only) for the campaigns chart."""
    since = timezone.now() - timedelta(days=days)
    return list(
        Submission.objects.filter(campaign_id__in=campaign_ids, created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("campaign_id", "day")
        .annotate(reports=Count("pk"))
        .order_by("day", "campaign_id")
    )


def reason_hit_stats(*, limit: int = 5000) -> list[dict[str, Any]]:
    """How often each reason fired on reports analysts confirmed as smishing/spam vs. normal/ad.

    Tells analysts which reasons to trust (a reason that fires on confirmed normal messages is
    noise). Over the newest `limit` labelled reports; one query, counted in Python because the
    reasons are a JSON list.
    """
    stats: dict[str, dict[str, Any]] = {}
    rows = (
        Submission.objects.exclude(analyst_label="")
        .exclude(reasons=[])
        .order_by("-labelled_at", "-id")
        .values_list("reasons", "analyst_label")[:limit]
    )
    for reasons, analyst_label in rows:
        for code in {reason.get("code") for reason in reasons or [] if reason.get("code")}:
            entry = stats.setdefault(code, {"code": code, "scam": 0, "benign": 0, "unknown": 0})
            if analyst_label in (Label.SMISHING, Label.SPAM):
                entry["scam"] += 1
            elif analyst_label in BENIGN_LABELS:
                entry["benign"] += 1
            else:
                entry["unknown"] += 1
    for entry in stats.values():
        judged = entry["scam"] + entry["benign"]
        entry["precision"] = entry["scam"] / judged if judged else None
    return sorted(stats.values(), key=lambda e: (-(e["scam"] + e["benign"]), e["code"]))


# Fewer digits than a Korean account number (10-14) would match unrelated numbers in reports.
_MIN_ACCOUNT_DIGITS = 8


def submissions_naming_accounts(
    *, user: User | AnonymousUser, accounts: list[str], limit: int = 20
) -> list[tuple[Submission, list[str]]]:
    """Reports, visible to `user`, whose text names one of `accounts` (any format: digits compared),
    newest first, each with the asked accounts it names. Read only; one indexed query."""
    wanted: dict[str, list[str]] = {}
    for account in accounts:
        key = Indicator.number_key(Indicator.Kind.ACCOUNT, account)
        if len(key) >= _MIN_ACCOUNT_DIGITS:
            wanted.setdefault(key, []).append(account)
    if not wanted:
        return []
    hits = (
        Indicator.objects.filter(kind=Indicator.Kind.ACCOUNT, normalized__in=list(wanted))
        .filter(submission__in=submissions_visible_to(user))
        .values_list("submission_id", "normalized")
    )
    named: dict[int, set[str]] = {}
    for submission_id, normalized in hits:
        named.setdefault(submission_id, set()).update(wanted[normalized])
    submissions = Submission.objects.filter(pk__in=list(named)).select_related("campaign")
    ordered = sorted(submissions, key=lambda s: (s.created_at, s.pk), reverse=True)[:limit]
    return [(submission, sorted(named[submission.pk])) for submission in ordered]
