"""Cases, their evidence and contacts, refunds, fraud labels and the QA sample.

State fields are django-fsm `protected` fields: code cannot assign a status directly, only run a
declared transition, and `ConcurrentTransitionMixin` turns every save into an UPDATE guarded by the
status the row had when it was read, so two people acting at once cannot both win.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class Case(ConcurrentTransitionMixin, models.Model):
    """An investigation of suspected fraud on one customer's account."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        INVESTIGATING = "investigating", _("Investigating")
        CONFIRMED_FRAUD = "confirmed_fraud", _("Confirmed fraud")
        NOT_FRAUD = "not_fraud", _("Not fraud")
        CLOSED = "closed", _("Closed")

    # Cases still being worked: new alerts of the customer attach to them (alerts.services).
    OPEN_STATUSES = (Status.OPEN, Status.INVESTIGATING)
    DECIDED_STATUSES = (Status.CONFIRMED_FRAUD, Status.NOT_FRAUD)

    customer = models.ForeignKey("alerts.Customer", on_delete=models.PROTECT, related_name="cases")
    title = models.CharField(max_length=200, blank=True)
    status = FSMField(
        max_length=20, choices=Status.choices, default=Status.OPEN, protected=True, db_index=True
    )
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The SLA runs from the customer's report (or the escalation that stands for it).
    reported_at = models.DateTimeField(default=timezone.now)
    sla_due_at = models.DateTimeField(db_index=True)
    sla_escalated_at = models.DateTimeField(null=True, blank=True)
    # When the refund decision the SLA asks for was made: not-fraud decided, or the refund approved or
    # rejected (or the case closed without one). Null while the clock runs.
    sla_met_at = models.DateTimeField(null=True, blank=True)
    # The disposition survives closing: `status` says where the case is, `disposition` what was decided.
    disposition = models.CharField(max_length=20, choices=Status.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["status", "sla_due_at"], name="case_status_sla_idx")]
        permissions = [
            ("work_case", "Can investigate cases and record decisions"),
            ("request_refund", "Can request refunds"),
            ("approve_refund", "Can approve refunds (four-eyes)"),
            ("review_qa", "Can review the QA sample of dismissed alerts"),
        ]

    def __str__(self) -> str:
        return f"Case #{self.pk}"

    # Transitions only move the state; services record who, why and the audit event.
    @transition(field=status, source=Status.OPEN, target=Status.INVESTIGATING)
    def start_investigation(self) -> None:
        pass

    @transition(field=status, source=Status.INVESTIGATING, target=Status.CONFIRMED_FRAUD)
    def confirm_fraud(self) -> None:
        pass

    @transition(field=status, source=Status.INVESTIGATING, target=Status.NOT_FRAUD)
    def mark_not_fraud(self) -> None:
        pass

    @transition(field=status, source=[Status.CONFIRMED_FRAUD, Status.NOT_FRAUD], target=Status.CLOSED)
    def close(self) -> None:
        pass

    @transition(
        field=status,
        source=[Status.CONFIRMED_FRAUD, Status.NOT_FRAUD, Status.CLOSED],
        target=Status.INVESTIGATING,
    )
    def reopen(self) -> None:
        pass


class CaseNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Note #{self.pk} on case #{self.case_id}"


class CustomerContact(models.Model):
    """One attempt to reach the customer (or the customer reaching the bank) and how it went."""

    class Channel(models.TextChoices):
        CALL_OUT = "call_out", _("Outbound call")
        CALL_IN = "call_in", _("Inbound call")
        SMS = "sms", _("SMS")
        BRANCH = "branch", _("Branch visit")
        EMAIL = "email", _("Email")

    class Outcome(models.TextChoices):
        REACHED_CONFIRMED_FRAUD = "reached_fraud", _("Reached: not their transaction")
        REACHED_GENUINE = "reached_genuine", _("Reached: genuine transaction")
        NO_ANSWER = "no_answer", _("No answer")
        VOICEMAIL = "voicemail", _("Voicemail left")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        CALLBACK = "callback", _("Asked for a callback")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="contacts")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    contacted_at = models.DateTimeField(default=timezone.now)
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["contacted_at", "id"]

    def __str__(self) -> str:
        return f"Contact #{self.pk} on case #{self.case_id}"


def _evidence_path(instance: Evidence, filename: str) -> str:
    # Never the uploader's file name on disk: it is user input (path tricks, Hangul, collisions).
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return f"evidence/case-{instance.case_id}/{uuid.uuid4().hex}{suffix}"


class Evidence(models.Model):
    """A file attached to a case; served only through the permission-checked download view."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    file = models.FileField(upload_to=_evidence_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class FraudLabel(models.Model):
    """Lineage of one training label: which case decided it, who, when, and the value."""

    transaction = models.ForeignKey(
        "alerts.Transaction", on_delete=models.PROTECT, related_name="label_history"
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="labels")
    is_fraud = models.BooleanField()
    labelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    labelled_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=100)
    previous_value = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["labelled_at", "id"]
        indexes = [models.Index(fields=["transaction", "labelled_at"], name="label_tx_time_idx")]

    def __str__(self) -> str:
        return f"{self.source}: tx {self.transaction_id} = {self.is_fraud}"


class RefundRequest(ConcurrentTransitionMixin, models.Model):
    """Money back to a fraud victim. Paid at most once: the gateway deduplicates on idempotency_key."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        SENT = "sent", _("Sent")
        # The gateway answered "pending", or did not answer (timeout, 5xx): the money may have moved.
        # Reconciled until final; the case gets no other refund meanwhile.
        PENDING = "pending", _("Payout pending")
        SETTLED = "settled", _("Settled")
        FAILED = "failed", _("Failed")
        REJECTED = "rejected", _("Rejected")
        # The case was reopened or re-decided before the payout left: never paid.
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATUSES = (Status.REQUESTED, Status.APPROVED, Status.SENT, Status.PENDING, Status.SETTLED)
    # Not yet handed to the gateway: a reopened or re-decided case can still stop these.
    CANCELLABLE_STATUSES = (Status.REQUESTED, Status.APPROVED)
    # Handed to the gateway, outcome not final.
    IN_FLIGHT_STATUSES = (Status.SENT, Status.PENDING)

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="refunds")
    amount = models.BigIntegerField(help_text=_("KRW, whole won"))
    destination_account = models.ForeignKey("alerts.Account", on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = FSMField(
        max_length=12, choices=Status.choices, default=Status.REQUESTED, protected=True, db_index=True
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    # Whoever confirmed the fraud; they may never approve the payout (four-eyes).
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    needs_second_approval = models.BooleanField(default=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    gateway_reference = models.CharField(max_length=100, blank=True)
    failure_reason = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    reconcile_issue = models.TextField(blank=True)
    reconciled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            # Four-eyes in the database too: no code path can store a self-approval.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True)
                | (~Q(approved_by=F("requested_by")) & ~Q(approved_by=F("confirmed_by"))),
                name="refund_four_eyes",
            ),
            # A refund that needs a second person can only move past "requested" with that person named.
            models.CheckConstraint(
                condition=Q(needs_second_approval=False)
                | Q(approved_by__isnull=False)
                | Q(status__in=["requested", "rejected", "cancelled"]),
                name="refund_second_approver_recorded",
            ),
            # One live refund per case (a pending payout included); a failed, rejected or cancelled one
            # may be followed by a new request.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=["requested", "approved", "sent", "pending", "settled"]),
                name="refund_one_active_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"Refund #{self.pk}"

    @transition(field=status, source=Status.REQUESTED, target=Status.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=status, source=Status.REQUESTED, target=Status.REJECTED)
    def reject(self) -> None:
        pass

    @transition(field=status, source=Status.APPROVED, target=Status.SENT)
    def mark_sent(self) -> None:
        pass

    @transition(field=status, source=[Status.REQUESTED, Status.APPROVED], target=Status.CANCELLED)
    def cancel(self) -> None:
        pass

    @transition(field=status, source=Status.SENT, target=Status.PENDING)
    def mark_pending(self) -> None:
        pass

    # A late gateway answer (or the reconciliation) settles or fails a sent or pending refund.
    @transition(field=status, source=[Status.SENT, Status.PENDING], target=Status.SETTLED)
    def mark_settled(self) -> None:
        pass

    @transition(field=status, source=[Status.SENT, Status.PENDING], target=Status.FAILED)
    def mark_failed(self) -> None:
        pass


class GatewayLedgerEntry(models.Model):
    """The simulated core-banking system's own book of payouts (its side, not ours).

    Unique on the idempotency key: a payout re-sent with the same key returns the first result instead
    of paying again, exactly as a real gateway's idempotency contract promises.
    """

    class Status(models.TextChoices):
        SETTLED = "settled", _("Settled")
        REJECTED = "rejected", _("Rejected")
        PENDING = "pending", _("Pending")

    idempotency_key = models.UUIDField(unique=True)
    account_external_id = models.CharField(max_length=64)
    amount = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices)
    reference = models.CharField(max_length=100, unique=True)
    message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "gateway ledger entries"

    def __str__(self) -> str:
        return self.reference


class SimulatedGatewaySetting(models.Model):
    """A single row: how the simulated gateway behaves now (switchable live, across processes)."""

    class Mode(models.TextChoices):
        NORMAL = "normal", _("Normal")
        FAILURE = "failure", _("Reject every payout (business failure)")
        TIMEOUT = "timeout", _("Book the payout, then time out before answering")
        UNAVAILABLE = "unavailable", _("Unavailable (5xx, nothing booked)")
        SLOW = "slow", _("Slow (answers after a delay)")
        PENDING = "pending", _("Book the payout as pending; settle it once switched back")

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.NORMAL)
    slow_seconds = models.FloatField(default=2.0)

    def __str__(self) -> str:
        return f"simulated gateway: {self.mode}"


class QaReview(models.Model):
    """A dismissed alert drawn into the compliance QA sample, and the reviewer's verdict."""

    class Outcome(models.TextChoices):
        AGREE = "agree", _("Dismissal correct")
        DISAGREE = "disagree", _("Dismissal wrong: re-investigate")
        INSUFFICIENT = "insufficient", _("Reason insufficiently documented")

    alert = models.OneToOneField("alerts.Alert", on_delete=models.PROTECT, related_name="qa_review")
    sampled_at = models.DateTimeField(default=timezone.now, db_index=True)
    outcome = models.CharField(max_length=15, choices=Outcome.choices, blank=True)
    comment = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sampled_at", "id"]

    def __str__(self) -> str:
        return f"QA review of alert #{self.alert_id}"
