"""Smishing checks: pasted texts, their verdicts, the indicators they carry, campaigns and models.

Privacy line: the clear text a person pastes never reaches this database. `Submission.text` holds the
text after `mask_personal_data` (resident registration and card numbers of the recipient masked);
the indicators the message pushes (links, call-back numbers, messenger IDs, accounts) belong to the
scammer and are kept.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Label(models.TextChoices):
    SMISHING = "smishing", _("High smishing risk")
    SPAM = "spam", _("Illegal spam")
    AD = "ad", _("Lawful ad")
    NORMAL = "normal", _("Safe")
    UNKNOWN = "unknown", _("Cannot judge")


# Reports labelled like this are not evidence against the indicators they contain.
BENIGN_LABELS = (Label.NORMAL, Label.AD)


class ConsentText(models.Model):
    """A published wording of the training-consent tick box. Never edited: a new wording is a new row."""

    version = models.CharField(max_length=40, unique=True)
    text_ko = models.TextField()
    text_en = models.TextField()
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.version


class Campaign(models.Model):
    """Near-duplicate reports (MinHash LSH over character shingles) grouped as one scam wave."""

    created_at = models.DateTimeField(default=timezone.now)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now, db_index=True)
    size = models.PositiveIntegerField(default=0)
    # The most common effective label of its reports, refreshed when a report joins or is relabelled.
    label = models.CharField(max_length=10, choices=Label.choices, blank=True)

    class Meta:
        ordering = ["-last_seen_at", "-id"]

    def __str__(self) -> str:
        return f"campaign #{self.pk}"


class SmishingModelVersion(models.Model):
    """A trained smishing model. The artifact lives in the database so every worker host can load it."""

    name = models.CharField(max_length=100, unique=True)
    engine_version = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    artifact = models.BinaryField()
    # Evaluation on the held-out templates (and the training report of the engine).
    metrics = models.JSONField(default=dict, blank=True)
    training_set = models.ForeignKey(
        "TrainingSet", null=True, blank=True, on_delete=models.PROTECT, related_name="model_versions"
    )
    is_active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_smishing_model"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SubmissionImport(models.Model):
    """One load of historical reports (`smishing_import`). Whether its rows may ever be used for
    training is decided once, at import, and recorded here and in the audit trail."""

    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=255)
    rows = models.PositiveIntegerField(default=0)
    refused_abusive = models.PositiveIntegerField(default=0)
    training_allowed = models.BooleanField()
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"import #{self.pk} ({self.file_name})"


class Submission(models.Model):
    """One pasted suspicious text and, once scored, its verdict."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        ANALYSING = "analysing", _("Analysing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        REFUSED = "refused", _("Refused")

    class Source(models.TextChoices):
        WEB = "web", _("Web")
        API = "api", "API"
        IMPORT = "imp", _("Import")

    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="smishing_submissions"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    source = models.CharField(max_length=5, choices=Source.choices, default=Source.WEB)
    # Masked text; empty for abusive input, which is never stored.
    text = models.TextField(blank=True)
    sender = models.CharField(max_length=40, blank=True)
    consent_given = models.BooleanField(default=False)
    consent_text = models.ForeignKey(
        ConsentText, null=True, blank=True, on_delete=models.PROTECT, related_name="submissions"
    )
    is_abusive = models.BooleanField(default=False)
    # Set for historical reports loaded by `smishing_import`; they train only if the import allowed it.
    import_batch = models.ForeignKey(
        SubmissionImport, null=True, blank=True, on_delete=models.PROTECT, related_name="submissions"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # Set by the worker that claims the row, so concurrent scorers never score it twice.
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    model_label = models.CharField(max_length=10, choices=Label.choices, blank=True)
    probability = models.FloatField(null=True, blank=True)
    probabilities = models.JSONField(default=dict, blank=True)
    # [{code, weight, text_ko, text_en, evidence: [{start, end, text}]}], spans into `text`.
    reasons = models.JSONField(default=list, blank=True)
    # 1 − (top probability − second probability): the labelling queue starts with the closest calls.
    uncertainty = models.FloatField(null=True, blank=True)
    model_version = models.ForeignKey(
        SmishingModelVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scored_at = models.DateTimeField(null=True, blank=True)
    # LLM paragraph, stored only when every URL, number and handle in it appears in the message.
    explanation = models.TextField(blank=True)

    analyst_label = models.CharField(max_length=10, choices=Label.choices, blank=True)
    labelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    labelled_at = models.DateTimeField(null=True, blank=True)
    # analyst_label if set, else model_label: what the FDS and the campaign list act on.
    label = models.CharField(max_length=10, choices=Label.choices, blank=True, db_index=True)

    # MinHash signature of the text's character shingles, kept so new reports join campaigns
    # without recomputing every old one.
    signature = models.BinaryField(blank=True, default=b"")
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="submissions"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["submitted_by", "created_at"], name="smish_sub_owner_idx"),
            models.Index(fields=["status", "id"], name="smish_sub_status_idx"),
            models.Index(fields=["analyst_label", "uncertainty"], name="smish_sub_queue_idx"),
            models.Index(fields=["campaign", "created_at"], name="smish_sub_campaign_idx"),
        ]
        permissions = [
            ("label_submission", "Can label smishing submissions"),
            ("retrain_model", "Can retrain and activate smishing models"),
            ("view_campaign", "Can view smishing campaigns"),
        ]

    def __str__(self) -> str:
        return f"submission #{self.pk}"

    @property
    def is_trainable(self) -> bool:
        allowed = self.consent_given if self.import_batch_id is None else self.import_batch.training_allowed  # type: ignore[union-attr]
        return (
            allowed
            and not self.is_abusive
            and bool(self.text)
            and self.analyst_label not in ("", Label.UNKNOWN)
        )


class Indicator(models.Model):
    """A URL domain, call-back number, messenger ID or bank account that a reported message pushes."""

    class Kind(models.TextChoices):
        URL = "url", "URL"
        PHONE = "phone", _("Phone")
        MESSENGER = "messenger", _("Messenger ID")
        ACCOUNT = "account", _("Account")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="indicators")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=500)
    # Registered domain for URLs, digits only for phones and accounts, lower-case handle for IDs.
    normalized = models.CharField(max_length=255)
    # The span in the masked text; the sender number the submitter typed has no span (0, 0).
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    from_sender = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["kind", "normalized"], name="smish_ind_lookup_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "kind", "start", "from_sender"], name="smish_ind_once_per_span"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.normalized}"

    @staticmethod
    def number_key(kind: str, value: str) -> str:
        """Digits only; a Korean phone number's country code folds into the trunk prefix
        (+82 10-… → 010…), so the FDS and the reports meet on one form."""
        digits = "".join(ch for ch in str(value) if ch.isdigit())
        if kind == Indicator.Kind.PHONE and digits.startswith("82") and len(digits) >= 11:
            digits = "0" + digits[2:]
        return digits


class SimilarityBucket(models.Model):
    """One LSH band of a submission's MinHash signature; equal keys make two reports candidates."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    key = models.BigIntegerField(db_index=True)  # hash of (band number, band values)

    def __str__(self) -> str:
        return f"{self.submission_id}:{self.key}"


class ReasonFeedback(models.Model):
    """An analyst's correction of one reason the model gave (wrong, or a note on it)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="reason_feedback")
    code = models.CharField(max_length=60)
    is_wrong = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.code} on submission {self.submission_id}"


class TrainingSet(models.Model):
    """A frozen list of consented, labelled submissions; versions are numbered and hashed."""

    version = models.PositiveIntegerField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    size = models.PositiveIntegerField(default=0)
    # sha256 over the sorted (submission id, label, text) rows: two sets with one hash hold the same data.
    content_hash = models.CharField(max_length=64)
    label_counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"training set v{self.version}"


class TrainingSetItem(models.Model):
    training_set = models.ForeignKey(TrainingSet, on_delete=models.CASCADE, related_name="items")
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=10, choices=Label.choices)  # the label at snapshot time

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["training_set", "submission"], name="smish_tset_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.training_set_id}:{self.submission_id}"


class RetrainJob(models.Model):
    """One retraining run: its progress (pushed live), its evaluation report and its outcome."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    class Outcome(models.TextChoices):
        PENDING = "", "—"
        ACTIVATED = "activated", _("Activated (not worse on held-out templates)")
        AWAITING_APPROVAL = "awaiting_approval", _("Worse on held-out templates: awaiting approval")
        APPROVED = "approved", _("Activated by approval")

    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0.0)
    message = models.CharField(max_length=200, blank=True)
    training_set = models.ForeignKey(
        TrainingSet, null=True, blank=True, on_delete=models.PROTECT, related_name="retrain_jobs"
    )
    model_version = models.ForeignKey(
        SmishingModelVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="retrain_jobs"
    )
    baseline_version = models.ForeignKey(
        SmishingModelVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    report = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True, default="")
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"retrain job #{self.pk}"
