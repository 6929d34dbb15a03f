from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from untrusted.text import compile_pattern
from untrusted.validation import SearchDateField

TARGET_TYPE_PATTERN = compile_pattern("audit.target_type", r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


class AuditSearchForm(forms.Form):
    """Filters of the global audit search and of the CSV export (the same filters, the same rows)."""

    actor = forms.CharField(
        label=_("Actor"), required=False, max_length=150, help_text=_("Username or system:<component>")
    )
    action = forms.CharField(
        label=_("Action code starts with"), required=False, max_length=100, help_text=_("e.g. cases.refund")
    )
    target_type = forms.CharField(
        label=_("Target type"), required=False, max_length=60, help_text=_("app.model, e.g. cases.case")
    )
    target_id = forms.CharField(label=_("Target id"), required=False, max_length=64)
    occurred_from = SearchDateField(
        label=_("From (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    occurred_to = SearchDateField(
        label=_("To (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Reason contains"), required=False, max_length=200)

    def clean_target_type(self) -> str:
        value = self.cleaned_data["target_type"].strip().lower()
        if value and not TARGET_TYPE_PATTERN.match(value):
            raise forms.ValidationError(_("Use app.model, for example cases.case."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("occurred_from"), cleaned.get("occurred_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return cleaned

    def search_arguments(self) -> dict[str, Any]:
        """Keyword arguments for audit_events_search (only valid after is_valid())."""
        data = self.cleaned_data
        return {
            "actor": data["actor"].strip(),
            "action_prefix": data["action"].strip(),
            "target_type": data["target_type"],
            "target_id": data["target_id"].strip(),
            "occurred_from": data["occurred_from"],
            "occurred_to": data["occurred_to"],
            "reason_contains": data["reason"].strip(),
        }
