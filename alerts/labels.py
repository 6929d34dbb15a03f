"""Fraud labels with lineage: who said a transaction was (not) fraud, from what, and since when.

Every label is a `Label` row (append-only). `Transaction.is_fraud` keeps the latest value for the pages
and for merchant risk; training reads the rows, as known at its cut-off (`labels_as_of`), and drops
what governance excludes (`training_exclusions`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.models import Alert, Label, Transaction
from audit.services import AuditEntry, audit_record_many

# The QA verdict that a dismissal was wrong (cases.QaReview.Outcome.DISAGREE; a test keeps them equal).
QA_OVERTURNED = "disagree"
LATE_SOURCES = (Label.Source.CHARGEBACK, Label.Source.LATE_REPORT)


class LabelRefused(ValueError):
    """A label that cannot be recorded; nothing was written."""


def labels_record(
    *,
    transaction_ids: Sequence[int],
    is_fraud: bool,
    source: str,
    reason: str = "",
    author: Any = None,
    author_name: str = "",
    known_at: datetime | None = None,
    alert_id: int | None = None,
    case_id: int | None = None,
    update_current: bool = True,
) -> list[Label]:
    """Append one label per transaction and make it the transaction's current label.

    Side effects: Label rows; `Transaction.is_fraud/labelled_at/label_source` unless not
    `update_current`. No audit event: the
    decision that produced the label (case decision, dismissal) audits itself in the same transaction;
    `labels_submit` audits labels that arrive on their own. Not idempotent by itself (each call appends).
    """
    if not transaction_ids:
        return []
    now = timezone.now()
    known = min(known_at or now, now)
    name = author_name or (author.get_username() if author is not None else "")
    with transaction.atomic():
        labels = Label.objects.bulk_create(
            Label(
                transaction_id=tx_id,
                is_fraud=is_fraud,
                source=source,
                reason=reason[:500],
                author=author,
                author_name=name[:150],
                recorded_at=now,
                known_at=known,
                alert_id=alert_id,
                case_id=case_id,
            )
            for tx_id in transaction_ids
        )
        if not update_current:  # the caller keeps Transaction.is_fraud itself
            return labels
        # A late label with an earlier known_at than the current one does not replace it.
        Transaction.objects.filter(pk__in=list(transaction_ids)).filter(
            Q(labelled_at__isnull=True) | Q(labelled_at__lte=known)
        ).update(is_fraud=is_fraud, labelled_at=known, label_source=f"{source}:{name}"[:100])
    return labels


def labels_import(*, pairs: Iterable[tuple[int, bool]], source_name: str) -> int:
    """Labels carried by a bulk import of history (a file, the simulator, the handbook).

    Recorded as source "import" with the file or feed as author, known from the moment of the import.
    Runs inside the import's transaction. Returns the number of labels written.
    """
    now = timezone.now()
    rows = [
        Label(
            transaction_id=tx_id,
            is_fraud=bool(value),
            source=Label.Source.IMPORT,
            author_name=source_name[:150],
            recorded_at=now,
            known_at=now,
        )
        for tx_id, value in pairs
    ]
    Label.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


@dataclass(frozen=True)
class LateLabel:
    transaction_external_id: str
    is_fraud: bool
    source: str
    reference: str
    known_at: datetime | None = None
    reason: str = ""


@dataclass
class LabelSubmitResult:
    created: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


def labels_submit(*, labels: Sequence[LateLabel], actor: Any) -> LabelSubmitResult:
    """Late labels from a feed (chargebacks, late reports), all or nothing.

    Every label is checked first (known transaction, a late source, `known_at` not in the future and
    not before the transaction); one bad label refuses the whole request with every problem listed.
    Side effects in one transaction: Label rows, the transactions' current label, one
    `alerts.label.recorded` audit event per label; after commit, merchant risk. Safe to repeat: a
    reference already stored for its source is reported as a duplicate and not written again.
    """
    from alerts.services import merchant_label_record

    if not actor.has_perm("alerts.record_label"):
        raise PermissionError(_("permission alerts.record_label required"))
    now = timezone.now()
    wanted = {item.transaction_external_id for item in labels}
    found = {
        ext: (pk, occurred)
        for pk, ext, occurred in Transaction.objects.filter(external_id__in=wanted).values_list(
            "id", "external_id", "occurred_at"
        )
    }
    problems: list[tuple[int, str, str]] = []
    for index, item in enumerate(labels):
        if item.source not in LATE_SOURCES:
            problems.append((index, "source", _("source must be one of %s") % ", ".join(LATE_SOURCES)))
        if item.transaction_external_id not in found:
            problems.append((index, "transaction_id", _("no such transaction")))
            continue
        if item.known_at is not None:
            if item.known_at > now:
                problems.append((index, "known_at", _("known_at cannot be in the future")))
            elif item.known_at < found[item.transaction_external_id][1]:
                problems.append((index, "known_at", _("known_at cannot be before the transaction")))
    if problems:
        raise LabelsInvalid(problems)
    result = LabelSubmitResult()
    changed: list[int] = []
    with transaction.atomic():
        stored = set(
            Label.objects.filter(external_ref__in=[i.reference for i in labels]).values_list(
                "source", "external_ref"
            )
        )
        entries: list[AuditEntry] = []
        for item in labels:
            key = (item.source, item.reference)
            if key in stored:
                result.duplicates.append(item.reference)
                continue
            stored.add(key)
            tx_id = found[item.transaction_external_id][0]
            (label,) = labels_record(
                transaction_ids=[tx_id],
                is_fraud=item.is_fraud,
                source=item.source,
                reason=item.reason,
                author=actor,
                known_at=item.known_at,
            )
            Label.objects.filter(pk=label.pk).update(external_ref=item.reference)
            changed.append(tx_id)
            result.created.append(item.reference)
            entries.append(
                AuditEntry(
                    action="alerts.label.recorded",
                    target=label,
                    actor=actor,
                    after={
                        "transaction": item.transaction_external_id,
                        "is_fraud": item.is_fraud,
                        "source": item.source,
                        "known_at": label.known_at.isoformat(),
                        "reference": item.reference,
                    },
                    reason=item.reason,
                )
            )
        audit_record_many(entries)
        if changed:
            transaction.on_commit(lambda: merchant_label_record(transaction_ids=changed))
    return result


class LabelsInvalid(LabelRefused):
    def __init__(self, problems: list[tuple[int, str, str]]):
        super().__init__("; ".join(f"label {i}: {f}: {m}" for i, f, m in problems))
        self.problems = problems


# --- Training labels -----------------------------------------------------------------------------


@dataclass
class TrainingLabels:
    """The labels a training run may use, and what it left out and why."""

    values: dict[int, bool]  # transaction id → label as known at the cut-off
    sources: dict[str, int]
    excluded: dict[str, int]
    excluded_examples: dict[str, list[int]]


def _test_traffic(external_id: str) -> bool:
    return any(external_id.startswith(p) for p in settings.FDS_TEST_TRAFFIC_PREFIXES)


def labels_as_of(*, cutoff: datetime, rows: Sequence[tuple[int, str, tuple[Any, ...]]]) -> TrainingLabels:
    """Per transaction, its latest label known at `cutoff`, after governance exclusions. Reads only.

    `rows` are (transaction id, external id, duplicate key) of the candidate transactions in time
    order; the duplicate key identifies the same payment re-sent under a new id. Excluded:
    - labels known only after the cut-off (they did not exist yet when the model was trained);
    - dismissals that QA found wrong (the label is the very thing QA overturned);
    - test traffic (external ids with a configured prefix) and duplicate traffic (a payment already
      seen under another id).
    """
    ids = [r[0] for r in rows]
    excluded: dict[str, int] = {
        "known_after_cutoff": 0,
        "qa_overturned": 0,
        "test_traffic": 0,
        "duplicate": 0,
    }
    examples: dict[str, list[int]] = {k: [] for k in excluded}

    def drop(reason: str, tx_id: int) -> None:
        excluded[reason] += 1
        if len(examples[reason]) < 20:
            examples[reason].append(tx_id)

    # Read through the alert's reverse relation: alerts sits below cases and never imports it.
    overturned = set(Alert.objects.filter(qa_review__outcome=QA_OVERTURNED).values_list("id", flat=True))
    latest: dict[int, tuple[bool, str]] = {}
    late: set[int] = set()
    for start in range(0, len(ids), 20_000):
        chunk = ids[start : start + 20_000]
        for tx_id, value, source, known_at, alert_id in (
            Label.objects.filter(transaction_id__in=chunk)
            .order_by("known_at", "id")
            .values_list("transaction_id", "is_fraud", "source", "known_at", "alert_id")
        ):
            if known_at > cutoff:
                late.add(tx_id)
                continue
            if source == Label.Source.DISMISSAL and alert_id in overturned:
                latest[tx_id] = (value, "__overturned__")
                continue
            latest[tx_id] = (value, source)
    seen: set[tuple[Any, ...]] = set()
    values: dict[int, bool] = {}
    sources: dict[str, int] = {}
    for tx_id, external_id, duplicate_key in rows:
        first_time = duplicate_key not in seen
        seen.add(duplicate_key)
        if tx_id not in latest:
            if tx_id in late:
                drop("known_after_cutoff", tx_id)
            continue
        value, source = latest[tx_id]
        if source == "__overturned__":
            drop("qa_overturned", tx_id)
        elif _test_traffic(external_id):
            drop("test_traffic", tx_id)
        elif not first_time:
            drop("duplicate", tx_id)
        else:
            values[tx_id] = value
            sources[source] = sources.get(source, 0) + 1
    return TrainingLabels(values, sources, excluded, examples)
