"""Input validation for the case, refund, QA and triage forms (no business rules here)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import CustomerContact, QaReview
from cases.triage import DISMISS_REASONS, TRIAGE_ACTIONS

DISMISS_CHOICES = [(code, f"{ko} ({en})") for code, (ko, en) in DISMISS_REASONS.items()]
SNOOZE_CHOICES = [
    (1, _("1 hour")),
    (4, _("4 hours")),
    (24, _("1 day")),
    (72, _("3 days")),
    (168, _("7 days")),
]


class TriageForm(forms.Form):
    """One triage action on one alert, or (with alert_ids) on a selection."""

    action = forms.ChoiceField(choices=[(a, a) for a in TRIAGE_ACTIONS])
    reason_code = forms.ChoiceField(choices=[("", "—"), *DISMISS_CHOICES], required=False)
    reason_text = forms.CharField(max_length=2000, required=False)
    snooze_hours = forms.TypedChoiceField(
        choices=SNOOZE_CHOICES, coerce=int, required=False, empty_value=None
    )
    assignee = forms.CharField(max_length=150, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action == "dismiss" and not data.get("reason_code"):
            self.add_error("reason_code", _("Choose a dismissal reason."))
        if action == "snooze" and not data.get("snooze_hours"):
            self.add_error("snooze_hours", _("Choose how long to snooze."))
        if action == "assign" and not data.get("assignee"):
            self.add_error("assignee", _("Name the analyst to assign to."))
        return data

    def snooze_until(self) -> datetime | None:
        hours = self.cleaned_data.get("snooze_hours")
        return timezone.now() + timedelta(hours=hours) if hours else None


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("fraud", _("Confirmed fraud")), ("not_fraud", _("Not fraud"))])
    reason = forms.CharField(max_length=4000)
    refund_amount = forms.IntegerField(min_value=1, required=False)
    refund_account = forms.IntegerField(required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=4000, required=False)


class NoteForm(forms.Form):
    body = forms.CharField(max_length=10_000)


class ContactForm(forms.Form):
    channel = forms.ChoiceField(choices=CustomerContact.Channel.choices)
    outcome = forms.ChoiceField(choices=CustomerContact.Outcome.choices)
    summary = forms.CharField(max_length=4000, required=False)


class EvidenceForm(forms.Form):
    file = forms.FileField()
    description = forms.CharField(max_length=300, required=False)


class RefundRequestForm(forms.Form):
    amount = forms.IntegerField(min_value=1)
    account = forms.IntegerField()


class QaReviewForm(forms.Form):
    outcome = forms.ChoiceField(choices=QaReview.Outcome.choices)
    comment = forms.CharField(max_length=4000, required=False)
