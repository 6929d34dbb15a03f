from __future__ import annotations

from django import forms

from alerts.models import Alert
from alerts.selectors import AlertFilters
from untrusted.validation import SearchDateTimeField


class AlertFilterForm(forms.Form):
    min_score = forms.FloatField(required=False, min_value=0, max_value=1, label="Min score")
    max_score = forms.FloatField(required=False, min_value=0, max_value=1, label="Max score")
    status = forms.MultipleChoiceField(required=False, choices=Alert.Status.choices)
    since = SearchDateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    until = SearchDateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    q = forms.CharField(required=False, max_length=100, label="Search")

    def clean(self) -> dict:
        data = super().clean() or {}
        low, high = data.get("min_score"), data.get("max_score")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError("Min score must not exceed max score.")
        since, until = data.get("since"), data.get("until")
        if since and until and since >= until:
            raise forms.ValidationError("'Since' must be before 'until'.")
        return data

    def filters(self) -> AlertFilters:
        if not self.is_valid():
            return AlertFilters()
        data = self.cleaned_data
        return AlertFilters(
            min_score=data.get("min_score"),
            max_score=data.get("max_score"),
            statuses=tuple(data.get("status") or ()),
            since=data.get("since"),
            until=data.get("until"),
            search=data.get("q") or "",
        )

    def is_default(self) -> bool:
        return not any(self.data.get(k) for k in ("min_score", "max_score", "status", "since", "until", "q"))
