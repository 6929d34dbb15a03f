from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from detection.models import Rule
from detection.services import MAX_SNOOZE_DAYS, RuleData


class RuleForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=60)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    condition = forms.CharField(
        label=_("Condition (CEL)"),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        max_length=2000,
    )
    effect = forms.ChoiceField(label=_("Effect"), choices=Rule.EffectChoice.choices)
    value = forms.FloatField(label=_("Weight or floor"), min_value=-1, max_value=1, initial=0.1)
    reason_ko = forms.CharField(label=_("Reason (Korean)"), max_length=500)
    reason_en = forms.CharField(label=_("Reason (English)"), max_length=500)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def rule_data(self) -> RuleData:
        d = self.cleaned_data
        return RuleData(
            code=d["code"].strip(),
            condition=d["condition"],
            effect=d["effect"],
            value=d["value"],
            reason_ko=d["reason_ko"],
            reason_en=d["reason_en"],
            description=d.get("description") or "",
            enabled=bool(d.get("enabled")),
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False)


class BacktestForm(forms.Form):
    days = forms.IntegerField(label=_("Days of scored traffic"), min_value=1, max_value=365, initial=30)


class PublishForm(forms.Form):
    backtest = forms.IntegerField(min_value=1)
    reason = forms.CharField(max_length=1000, required=False)


class EntryForm(forms.Form):
    value = forms.CharField(label=_("Value"), max_length=64)
    reason = forms.CharField(label=_("Reason"), max_length=500)
    expires_at = forms.DateTimeField(label=_("Expires (optional)"), required=False)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file: value,reason[,expires_at]"))
    reason = forms.CharField(label=_("Reason for the change"), max_length=1000)


class ThresholdForm(forms.Form):
    value = forms.FloatField(label=_("Threshold"), min_value=0.0001, max_value=1)
    alerts_per_day = forms.FloatField(required=False, min_value=0)
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class BudgetForm(forms.Form):
    alerts_per_day = forms.FloatField(
        label=_("Alerts per day operations can handle"), min_value=0.1, max_value=1e6
    )
    days = forms.IntegerField(label=_("Days of stored scores"), min_value=1, max_value=365, initial=30)


class SnoozeForm(forms.Form):
    rule_code = forms.SlugField(max_length=60)
    subject = forms.ChoiceField(
        choices=[("customer", _("this customer")), ("beneficiary", _("this beneficiary"))]
    )
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=MAX_SNOOZE_DAYS, initial=30)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class ChangeFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("", _("any status")),
            ("pending", _("Waiting for approval")),
            ("applied", _("Applied")),
            ("rejected", _("Rejected")),
        ],
    )
    kind = forms.ChoiceField(
        required=False,
        choices=[
            ("", _("any kind")),
            ("publish", _("Publish")),
            ("rollback", _("Rollback")),
            ("threshold", _("Threshold")),
            ("list", _("List")),
        ],
    )


class ShadowStartForm(forms.Form):
    # Empty: the draft; else the number of a published version that is not live.
    version = forms.IntegerField(label=_("Version"), required=False, min_value=1)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
