"""Detection as governed data: rule-set versions, lists, change requests, backtests, thresholds, snoozes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from detection.engine import Effect


class RuleSetVersion(models.Model):
    """One editable draft, then (after approval) an immutable published version; exactly one is live."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Waiting for approval")
        PUBLISHED = "published", _("Published")

    number = models.PositiveIntegerField(unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    is_live = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["is_live"], condition=Q(is_live=True), name="one_live_rule_set"),
            # One draft: the version being edited or waiting for its approver.
            models.UniqueConstraint(
                fields=["status"], condition=Q(status__in=["draft", "pending"]), name="one_draft_rule_set"
            ),
            models.CheckConstraint(
                condition=Q(is_live=False) | Q(status="published"), name="only_published_is_live"
            ),
        ]
        permissions = [
            ("view_detection", "Can view rules, lists, thresholds, backtests and approvals"),
            ("author_detection", "Can draft rules, list changes and threshold changes"),
            ("approve_detection", "Can approve detection changes made by someone else"),
            ("snooze_rule", "Can snooze a rule for one customer or beneficiary"),
            ("promote_indicator", "Can promote a confirmed smishing report's indicators to a watch list"),
        ]

    def __str__(self) -> str:
        return f"v{self.number}"

    @property
    def editable(self) -> bool:
        return self.status == self.Status.DRAFT


class Rule(models.Model):
    class EffectChoice(models.TextChoices):
        ADD = Effect.ADD, _("Add to the score")
        FLOOR = Effect.FLOOR, _("Raise the score to at least (forces an alert)")
        SUPPRESS = Effect.SUPPRESS, _("Suppress the alert")

    version = models.ForeignKey(RuleSetVersion, on_delete=models.CASCADE, related_name="rules")
    code = models.SlugField(max_length=60)
    description = models.CharField(max_length=300, blank=True)
    condition = models.TextField()
    effect = models.CharField(max_length=10, choices=EffectChoice.choices, default=Effect.ADD)
    value = models.FloatField(default=0.1, help_text=_("weight to add, or the floor"))
    reason_ko = models.CharField(max_length=500)
    reason_en = models.CharField(max_length=500)
    enabled = models.BooleanField(default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="rule_code_once_per_version"),
            models.CheckConstraint(condition=Q(value__gte=-1) & Q(value__lte=1), name="rule_value_range"),
        ]

    def __str__(self) -> str:
        return self.code

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "description": self.description,
            "condition": self.condition,
            "effect": self.effect,
            "value": self.value,
            "reason_ko": self.reason_ko,
            "reason_en": self.reason_en,
            "enabled": self.enabled,
            "owner": self.owner.get_username() if self.owner_id and self.owner else "",
        }


class WatchList(models.Model):
    class Kind(models.TextChoices):
        ACCOUNT = "account", _("Accounts")
        PHONE = "phone", _("Phone numbers")
        MERCHANT = "merchant", _("Merchants")
        COUNTRY = "country", _("Countries")
        CUSTOMER = "customer", _("Customers")

    class Purpose(models.TextChoices):
        BLOCK = "block", _("Block")
        ALLOW = "allow", _("Allow")
        WATCH = "watch", _("Watch")

    name = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.WATCH)
    description = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ListEntry(models.Model):
    watch_list = models.ForeignKey(WatchList, on_delete=models.PROTECT, related_name="entries")
    # Normalised: digits only for accounts and phones, upper case for countries.
    value = models.CharField(max_length=64)
    reason = models.CharField(max_length=500)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    change = models.ForeignKey(
        "ChangeRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["value"], name="list_entry_value_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["watch_list", "value"], condition=Q(removed_at__isnull=True), name="list_entry_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.watch_list_id}:{self.value}"


class Backtest(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    version = models.ForeignKey(RuleSetVersion, on_delete=models.PROTECT, related_name="backtests")
    baseline = models.ForeignKey(
        RuleSetVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The version's rules as they were backtested: the draft may change afterwards.
    rules_snapshot = models.JSONField(default=list)
    days = models.PositiveIntegerField(default=30)
    threshold = models.FloatField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0.0)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"backtest #{self.pk} of v{self.version_id}"


class ChangeRequest(models.Model):
    """A change to detection that a second person with the approving role must approve."""

    class Kind(models.TextChoices):
        PUBLISH = "publish", _("Publish a rule set")
        ROLLBACK = "rollback", _("Make an earlier version live")
        THRESHOLD = "threshold", _("Change the alert threshold")
        LIST = "list", _("Change a list")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPLIED = "applied", _("Approved and applied")
        REJECTED = "rejected", _("Rejected")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    summary = models.CharField(max_length=300)
    reason = models.TextField(blank=True)
    payload = models.JSONField(default=dict)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    backtest = models.ForeignKey(Backtest, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    maker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(checker__isnull=True) | ~Q(checker=models.F("maker")),
                name="change_checker_not_maker",
            )
        ]

    def __str__(self) -> str:
        return f"change #{self.pk} ({self.kind}, {self.status})"


class AlertThreshold(models.Model):
    """A governed alert threshold for one model version; without one, the model's own threshold applies."""

    model_version = models.ForeignKey("alerts.ModelVersion", on_delete=models.PROTECT, related_name="+")
    value = models.FloatField()
    alerts_per_day = models.FloatField(null=True, blank=True, help_text=_("the budget it was chosen for"))
    change = models.OneToOneField(ChangeRequest, on_delete=models.PROTECT, related_name="threshold")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gt=0) & Q(value__lte=1), name="threshold_range")
        ]

    def __str__(self) -> str:
        return f"{self.value} for model {self.model_version_id}"


class RuleSnooze(models.Model):
    """One rule switched off for one customer or one beneficiary, for a bounded time."""

    rule_code = models.SlugField(max_length=60)
    customer = models.ForeignKey(
        "alerts.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    beneficiary = models.CharField(max_length=64, blank=True)
    alert = models.ForeignKey("alerts.Alert", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)
    until = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(customer__isnull=False) & Q(beneficiary=""))
                | (Q(customer__isnull=True) & ~Q(beneficiary="")),
                name="snooze_one_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_code} snoozed until {self.until:%Y-%m-%d}"


class ShadowRun(models.Model):
    """A rule set evaluated on live traffic beside the live one, without alerting."""

    version = models.ForeignKey(RuleSetVersion, on_delete=models.PROTECT, related_name="shadow_runs")
    # The rules as they run in shadow: a draft may be edited meanwhile; the run keeps what it started.
    rules_snapshot = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    reason = models.CharField(max_length=500, blank=True)
    transactions = models.PositiveBigIntegerField(default=0, help_text=_("transactions evaluated in shadow"))
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=Q(active=True), name="one_active_shadow_run"
            ),
            models.CheckConstraint(
                condition=Q(active=True, stopped_at__isnull=True) | Q(active=False, stopped_at__isnull=False),
                name="shadow_run_stopped_when_inactive",
            ),
        ]

    def __str__(self) -> str:
        return f"shadow #{self.pk} of v{self.version_id}"


class ShadowOutcome(models.Model):
    """What the shadow rule set would have done with one transaction, beside what live did.

    Stored only where the two differ in alerting or in the rules that fired, or either alerted: the
    rest (neither alerts, same rules) is counted in `ShadowRun.transactions`.
    """

    run = models.ForeignKey(ShadowRun, on_delete=models.PROTECT, related_name="outcomes")
    transaction = models.ForeignKey("alerts.Transaction", on_delete=models.PROTECT, related_name="+")
    model_score = models.FloatField()
    score = models.FloatField()
    live_score = models.FloatField()
    alerted = models.BooleanField()
    live_alerted = models.BooleanField()
    rule_hits = models.JSONField(default=list)
    live_rule_hits = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["run", "created_at"], name="shadow_outcome_run_time_idx")]
        constraints = [
            models.UniqueConstraint(fields=["run", "transaction"], name="shadow_outcome_once_per_transaction")
        ]

    def __str__(self) -> str:
        return f"shadow #{self.run_id}: {self.transaction_id}"
