from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from alerts.features import MERCHANT_CATEGORIES


class Segment(models.TextChoices):
    YOUTH = "youth", _("Youth")
    YOUNG_ADULT = "young_adult", _("Young adult")
    GENERAL = "general", _("General")
    SENIOR = "senior", _("Senior")
    BUSINESS = "business", _("Business")
    UNKNOWN = "unknown", _("Unknown")


# Korean names, quoted in the Korean alert reasons exactly as they were stored (never through the
# catalogue, so a stored reason never depends on the installed translations).
MERCHANT_CATEGORY_NAMES_KO = {
    "ice_cream_discount": "아이스크림할인점",
    "convenience": "편의점",
    "online_shopping": "온라인쇼핑",
    "overseas": "해외가맹점",
    "gas_station": "주유소",
    "transfer": "송금",
    "restaurant": "음식점",
    "cafe": "카페",
    "supermarket": "대형마트",
    "game": "게임·디지털콘텐츠",
    "electronics": "전자제품",
    "gift_card": "상품권",
    "transport": "교통",
    "other": "기타",
}
# What pages show, in the viewer's language.
MERCHANT_CATEGORY_LABELS = {
    "ice_cream_discount": _("Ice-cream discount store"),
    "convenience": _("Convenience store"),
    "online_shopping": _("Online shopping"),
    "overseas": _("Overseas merchant"),
    "gas_station": _("Gas station"),
    "transfer": _("Transfer"),
    "restaurant": _("Restaurant"),
    "cafe": _("Café"),
    "supermarket": _("Supermarket"),
    "game": _("Games and digital content"),
    "electronics": _("Electronics"),
    "gift_card": _("Gift cards"),
    "transport": _("Transport"),
    "other": _("Other"),
}
# The codes come from the feature engine's one list; only the labels are the model's.
MerchantCategory = models.TextChoices(  # type: ignore[call-overload]  # the functional API, typed narrowly in the stubs
    "MerchantCategory",
    [(code.upper(), (code, MERCHANT_CATEGORY_LABELS[code])) for code in MERCHANT_CATEGORIES],
)


class Channel(models.TextChoices):
    CARD_PRESENT = "card_present", _("Card present")
    ONLINE = "online", _("Online payment")
    MOBILE = "mobile", _("Mobile app")
    ATM = "atm", _("ATM")
    TRANSFER = "transfer", _("Account transfer")


CHANNEL_LABELS = {choice.value: choice.label for choice in Channel}


def english_label(labels: dict, code: str) -> str:
    """A display label in English (the msgid itself), for the English alert reasons."""
    with translation.override("en"):
        return str(labels.get(code, code))


# Korean channel names for the Korean alert reasons (see MERCHANT_CATEGORY_NAMES_KO).
CHANNEL_NAMES_KO = {
    "card_present": "대면 카드결제",
    "online": "온라인 결제",
    "mobile": "모바일 앱",
    "atm": "ATM",
    "transfer": "계좌이체",
}


class Customer(models.Model):
    external_id = models.CharField(max_length=64, unique=True)
    # Display only, already masked at the source (e.g. 김*수): the portal never needs full names.
    display_name = models.CharField(max_length=100, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    segment = models.CharField(max_length=20, choices=Segment.choices, default=Segment.UNKNOWN)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.display_name or self.external_id

    def age_on(self, day: date) -> int | None:
        if self.birth_date is None:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class Account(models.Model):
    """A card or deposit account of a customer; refunds are paid back to one of these."""

    class Kind(models.TextChoices):
        CARD = "card", _("Card")
        DEPOSIT = "deposit", _("Deposit account")

    external_id = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="accounts")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CARD)
    masked_number = models.CharField(max_length=40, blank=True)

    def __str__(self) -> str:
        return self.masked_number or self.external_id


class Merchant(models.Model):
    external_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    category = models.CharField(
        max_length=30, choices=MerchantCategory.choices, default=MerchantCategory.OTHER
    )
    country = models.CharField(max_length=2, default="KR")

    def __str__(self) -> str:
        return self.name or self.external_id


class Transaction(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("Received, to score")
        SCORED = "scored", _("Scored")
        # Imported history: folded into the behavioural state without a score or an alert.
        HISTORY_PENDING = "history_pending", _("History, to fold into state")
        HISTORY = "history", _("History")
        # Stored values the database cannot hand back (out of range): never scored, kept for review.
        REJECTED = "rejected", _("Rejected: unreadable values")

    external_id = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="transactions")
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    merchant = models.ForeignKey(Merchant, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Transfers (송금) name a beneficiary instead of a merchant.
    beneficiary_account = models.CharField(max_length=64, blank=True, db_index=True)
    beneficiary_phone = models.CharField(max_length=32, blank=True, db_index=True)
    amount = models.BigIntegerField(help_text=_("KRW, whole won"))
    occurred_at = models.DateTimeField()
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.CARD_PRESENT)
    country = models.CharField(max_length=2, default="KR")
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    # Ground truth, arriving late (a case decision, a chargeback, an imported label).
    is_fraud = models.BooleanField(null=True, blank=True)
    labelled_at = models.DateTimeField(null=True, blank=True)
    label_source = models.CharField(max_length=100, blank=True)
    # Whether this transaction's fraud label is counted in its merchant's MerchantDay (see
    # alerts.services.merchant_label_record): the flag makes recording a label safe to repeat.
    fraud_counted = models.BooleanField(default=False)
    # Which ingest request stored this row: lets a request tell the rows it inserted from duplicates
    # that a concurrent re-send inserted first.
    ingest_batch = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        indexes = [
            # Covering: the customer page's totals and charts read only these columns, so they are
            # index-only scans instead of one heap page per transaction of a long history.
            models.Index(
                fields=["customer", "occurred_at"],
                name="tx_customer_time_idx",
                include=[
                    "amount",
                    "merchant",
                    "channel",
                    "is_fraud",
                    "beneficiary_account",
                    "beneficiary_phone",
                ],
            ),
            models.Index(fields=["status", "received_at"], name="tx_status_received_idx"),
            models.Index(fields=["merchant", "occurred_at"], name="tx_merchant_time_idx"),
            # The transaction search: newest first over everything, by account, by amount range.
            models.Index(fields=["-occurred_at", "-id"], name="tx_time_idx"),
            models.Index(fields=["account", "occurred_at"], name="tx_account_time_idx"),
            models.Index(fields=["amount"], name="tx_amount_idx"),
        ]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="tx_amount_positive")]

    def __str__(self) -> str:
        return self.external_id


class ModelVersion(models.Model):
    """A trained FDS model. The artifact lives in the database so every worker host can load it."""

    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=150, blank=True)
    artifact = models.BinaryField()
    feature_names = models.JSONField(default=list)
    metrics = models.JSONField(default=dict, blank=True)
    training_data = models.JSONField(default=dict, blank=True)
    threshold = models.FloatField(default=0.5)
    is_active = models.BooleanField(default=False)
    # The challenger scored in shadow on live traffic: scores stored (ShadowScore), never alerts.
    is_shadow = models.BooleanField(default=False)
    # Gain per feature, for the registry page.
    importance = models.JSONField(default=dict, blank=True)
    # The champion this version replaced when it was promoted: what a rollback goes back to.
    replaced = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    promoted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_fds_model"
            ),
            models.UniqueConstraint(
                fields=["is_shadow"], condition=Q(is_shadow=True), name="one_shadow_fds_model"
            ),
            models.CheckConstraint(
                condition=~Q(is_active=True, is_shadow=True), name="fds_model_live_or_shadow"
            ),
        ]
        permissions = [
            ("train_model", "Can train FDS models and promote or roll them back"),
            ("record_label", "Can record late fraud labels (chargebacks) through the API"),
        ]

    def __str__(self) -> str:
        return self.name


class Score(models.Model):
    """The model's verdict on one transaction, with everything needed to explain it later."""

    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="score")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="+")
    score = models.FloatField()
    model_score = models.FloatField()
    features = models.JSONField(default=dict)
    reasons = models.JSONField(default=list)  # [{code, weight, text_ko, text_en}], strongest first
    # Per reason group TreeSHAP contributions in log-odds, positive and negative (alerts only).
    contributions = models.JSONField(default=dict)
    rule_hits = models.JSONField(default=list)
    # The detection rule-set version and the alert threshold this score was decided with.
    rule_set_version = models.PositiveIntegerField(null=True, blank=True)
    alert_threshold = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # The queue's score filter: without it, PostgreSQL reads every score to find the few high ones.
        indexes = [models.Index(fields=["score"], name="score_score_idx")]

    def __str__(self) -> str:
        return f"{self.score:.3f} for transaction {self.transaction_id}"


class Alert(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        CLAIMED = "claimed", _("Under review")
        SNOOZED = "snoozed", _("Snoozed")
        ATTACHED = "attached", _("Attached to an existing case")
        DISMISSED = "dismissed", _("Dismissed (false positive)")
        ESCALATED = "escalated", _("Escalated to a case")

    OPEN_STATUSES = (Status.NEW, Status.CLAIMED, Status.SNOOZED)

    transaction = models.OneToOneField(Transaction, on_delete=models.PROTECT, related_name="alert")
    score = models.OneToOneField(Score, on_delete=models.PROTECT, related_name="alert")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="alerts")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW, db_index=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    # A new alert for a customer who already has an open alert or case joins it instead of adding noise.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "status"], name="alert_customer_status_idx"),
            # The customer page's alert list and chart markers, newest first.
            models.Index(fields=["customer", "-created_at"], name="alert_customer_time_idx"),
        ]
        permissions = [("triage_alert", "Can claim, dismiss, snooze and escalate alerts")]

    def __str__(self) -> str:
        return f"Alert #{self.pk} ({self.status})"


class CustomerBehaviour(models.Model):
    """Incremental behavioural state of one customer (see alerts.features.CustomerState)."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, primary_key=True, related_name="+")
    # JSON as bytes (orjson), not jsonb: nothing queries inside it, and PostgreSQL parsing ~900 jsonb
    # documents per scoring batch was the largest single cost of a batch.
    state = models.BinaryField(default=b"{}")
    last_event_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"behaviour of customer {self.customer_id}"


class MerchantDay(models.Model):
    """Transactions and known frauds of one merchant on one local day (merchant-risk features).

    Counts only ever grow, by upsert increments, so concurrent scoring workers never lock each other.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    day = models.IntegerField(help_text=_("days since 1970-01-01, Seoul time"))
    tx_count = models.IntegerField(default=0)
    fraud_count = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "day"], name="merchant_day_unique")]

    def __str__(self) -> str:
        return f"merchant {self.merchant_id} day {self.day}: {self.tx_count} tx, {self.fraud_count} fraud"


class Label(models.Model):
    """One piece of ground truth about a transaction, with its lineage.

    Append-only: a later label for the same transaction supersedes an earlier one from its `known_at`
    on. Training reads the labels known at its cut-off, so a model can always be traced to the labels
    that trained it, and a late label never leaks into a model trained before it was known.
    """

    class Source(models.TextChoices):
        CASE_DECISION = "case_decision", _("Case decision")
        DISMISSAL = "dismissal", _("Alert dismissed as a false positive")
        CHARGEBACK = "chargeback", _("Chargeback")
        LATE_REPORT = "late_report", _("Late report (customer or bank)")
        IMPORT = "import", _("Imported history")

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="labels")
    is_fraud = models.BooleanField()
    source = models.CharField(max_length=20, choices=Source.choices)
    reason = models.CharField(max_length=500, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who wrote it when no person did: an import file, a feed client's name.
    author_name = models.CharField(max_length=150, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    # When the truth became known to the bank (a chargeback's date); never after recorded_at.
    known_at = models.DateTimeField(default=timezone.now)
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.PROTECT, related_name="labels")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Idempotency for label feeds: a re-sent chargeback is stored once.
    external_ref = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["known_at", "id"]
        indexes = [
            models.Index(fields=["transaction", "known_at"], name="label_lineage_tx_known_idx"),
            models.Index(fields=["known_at"], name="label_lineage_known_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_ref"],
                condition=~Q(external_ref=""),
                name="label_external_ref_once",
            ),
            models.CheckConstraint(
                condition=Q(known_at__lte=models.F("recorded_at")), name="label_known_not_future"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}: tx {self.transaction_id} = {self.is_fraud}"


class ShadowScore(models.Model):
    """The challenger's score on a live transaction, stored next to the champion's; never an alert."""

    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="shadow_scores")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="shadow_scores")
    score = models.FloatField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["transaction", "model_version"], name="shadow_score_once")
        ]
        indexes = [models.Index(fields=["model_version", "created_at"], name="shadow_version_time_idx")]

    def __str__(self) -> str:
        return f"shadow {self.score:.3f} by {self.model_version_id} for {self.transaction_id}"


class Retraining(models.Model):
    """One retraining run: a challenger trained on the latest window, evaluated against the champion
    on the same later window, then run in shadow until a second senior promotes or discards it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    class Decision(models.TextChoices):
        PENDING = "pending", _("Awaiting a decision")
        PROMOTED = "promoted", _("Promoted")
        DISCARDED = "discarded", _("Discarded")

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_by_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0.0)
    message = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    champion = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # One challenger per run, whatever happens to the task (a re-delivered task stores nothing new).
    challenger = models.OneToOneField(
        ModelVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="retraining"
    )
    evaluation = models.JSONField(default=dict, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Retraining #{self.pk} ({self.status})"


class DriftReport(models.Model):
    """Live traffic of one window compared with the live model's training reference."""

    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="drift_reports")
    computed_at = models.DateTimeField(default=timezone.now, db_index=True)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    transactions = models.IntegerField(default=0)
    alerts = models.IntegerField(default=0)
    alert_rate = models.FloatField(null=True)
    labelled_alerts = models.IntegerField(default=0)
    precision = models.FloatField(null=True)
    score_psi = models.FloatField(null=True)
    feature_psi = models.JSONField(default=dict)
    drifted = models.JSONField(default=list)  # features (and "score") over the PSI threshold

    class Meta:
        ordering = ["-window_end", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["model_version", "window_end"], name="drift_report_once")
        ]

    def __str__(self) -> str:
        return f"drift of {self.model_version_id} to {self.window_end:%Y-%m-%d %H:%M}"
