from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from alerts.models import Alert
from alerts.selectors import AlertFilters, TransactionCursor, TransactionFilters
from untrusted.text import compile_pattern
from untrusted.validation import SearchDateTimeField


class AlertFilterForm(forms.Form):
    min_score = forms.FloatField(required=False, min_value=0, max_value=1, label=_("Min score"))
    max_score = forms.FloatField(required=False, min_value=0, max_value=1, label=_("Max score"))
    status = forms.MultipleChoiceField(required=False, choices=Alert.Status.choices)
    since = SearchDateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    until = SearchDateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    q = forms.CharField(required=False, max_length=100, label=_("Search"))

    def clean(self) -> dict:
        data = super().clean() or {}
        low, high = data.get("min_score"), data.get("max_score")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError(_("Min score must not exceed max score."))
        since, until = data.get("since"), data.get("until")
        if since and until and since >= until:
            raise forms.ValidationError(_("'Since' must be before 'until'."))
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


# Dates outside this window are typing mistakes (year 1, year 9999), and at the edges of the calendar
# converting Seoul time to UTC would overflow: they are refused with a message, never passed on.
EARLIEST_DATE = datetime(2000, 1, 1)
LATEST_DATE = datetime(2100, 1, 1)
MAX_AMOUNT = 10**13  # 10 trillion won: far above any single transaction, far below BIGINT's limit
_CURSOR = compile_pattern("alerts.transaction_cursor", r"^(-?\d{1,17})\.(\d{1,18})$")
_WON_NOISE = compile_pattern("alerts.won_noise", r"[,\s원₩]+")
_YEAR_PREFIX = compile_pattern("alerts.year_prefix", r"^(\d{1,6})-")


class WonField(forms.IntegerField):
    """Whole won; accepts what people paste: "7,000", "7000원", " 7 000 " (so a text box, not a number
    box, which would refuse the comma and the 원)."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = _WON_NOISE.sub("", value)
        return super().to_python(value)


class SeoulDateTimeField(forms.DateTimeField):
    """A date and time, or a date alone (midnight), read in Asia/Seoul and kept within sane years."""

    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"]

    def to_python(self, value: Any) -> datetime | None:
        if isinstance(value, str):
            value = value.strip()
            match = _YEAR_PREFIX.match(value)
            if match and not EARLIEST_DATE.year <= int(match.group(1) or 0) < LATEST_DATE.year:
                raise forms.ValidationError(
                    _("Enter a date between %(first)s and %(last)s."),
                    code="out_of_range",
                    params={"first": EARLIEST_DATE.year, "last": LATEST_DATE.year - 1},
                )
        return super().to_python(value)


def _cursor_encode(cursor: TransactionCursor) -> str:
    moment = cursor.occurred_at.astimezone(UTC)
    micros = (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    return f"{micros}.{cursor.id}"


def _cursor_decode(value: str) -> TransactionCursor:
    match = _CURSOR.match(value.strip())
    if not match:
        raise forms.ValidationError(_("This page link is not valid. Start again from the first page."))
    try:
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(match.group(1) or "0"))
    except OverflowError:
        raise forms.ValidationError(
            _("This page link is not valid. Start again from the first page.")
        ) from None
    if not EARLIEST_DATE.replace(tzinfo=UTC) <= moment < LATEST_DATE.replace(tzinfo=UTC):
        raise forms.ValidationError(_("This page link is not valid. Start again from the first page."))
    return TransactionCursor(occurred_at=moment, id=int(match.group(2) or "0"))


class TransactionSearchForm(forms.Form):
    """The transaction search's filters and page position. Every field is optional; every value is
    checked, and an invalid one is reported on the page instead of being ignored."""

    tx = forms.CharField(required=False, max_length=64, label=_("Transaction ID"))
    customer = forms.CharField(required=False, max_length=64, label=_("Customer ID"))
    account = forms.CharField(required=False, max_length=64, label=_("Account ID"))
    merchant = forms.CharField(
        required=False, max_length=100, label=_("Merchant"), help_text=_("ID, or part of the name")
    )
    min_amount = WonField(required=False, min_value=1, max_value=MAX_AMOUNT, label=_("Amount from (KRW)"))
    max_amount = WonField(required=False, min_value=1, max_value=MAX_AMOUNT, label=_("Amount to (KRW)"))
    since = SeoulDateTimeField(
        required=False,
        label=_("From"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    until = SeoulDateTimeField(
        required=False,
        label=_("Until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    older = forms.CharField(required=False, max_length=48, widget=forms.HiddenInput)
    newer = forms.CharField(required=False, max_length=48, widget=forms.HiddenInput)

    FILTER_FIELDS = ("tx", "customer", "account", "merchant", "min_amount", "max_amount", "since", "until")

    def __init__(self, *args: Any, fixed_customer_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fixed_customer_id = fixed_customer_id
        if fixed_customer_id is not None:
            del self.fields["customer"]  # a customer page lists one customer's transactions only

    def clean_older(self) -> TransactionCursor | None:
        value = self.cleaned_data.get("older") or ""
        return _cursor_decode(value) if value else None

    def clean_newer(self) -> TransactionCursor | None:
        value = self.cleaned_data.get("newer") or ""
        return _cursor_decode(value) if value else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min_amount"), data.get("max_amount")
        if low is not None and high is not None and low > high:
            self.add_error("max_amount", _("The upper amount must not be below the lower one."))
        since, until = data.get("since"), data.get("until")
        if since and until and since >= until:
            self.add_error("until", _("'Until' must be after 'From'."))
        if data.get("older") and data.get("newer"):
            raise forms.ValidationError(_("This page link is not valid. Start again from the first page."))
        return data

    def filters(self) -> TransactionFilters:
        """The validated filters; call only after is_valid()."""
        data = self.cleaned_data
        return TransactionFilters(
            external_id=(data.get("tx") or "").strip(),
            customer_id=self.fixed_customer_id,
            customer_external_id=(data.get("customer") or "").strip(),
            account_external_id=(data.get("account") or "").strip(),
            merchant=(data.get("merchant") or "").strip(),
            min_amount=data.get("min_amount"),
            max_amount=data.get("max_amount"),
            since=data.get("since"),
            until=data.get("until"),
        )

    def page_query(
        self, *, older: TransactionCursor | None = None, newer: TransactionCursor | None = None
    ) -> str:
        """The query string of a neighbouring page: the same filters, another position."""
        query = QueryDict(mutable=True)
        for name in self.FILTER_FIELDS:
            value = self.data.get(name, "") if name in self.fields else ""
            if value:
                query[name] = value
        if older is not None:
            query["older"] = _cursor_encode(older)
        if newer is not None:
            query["newer"] = _cursor_encode(newer)
        return query.urlencode()

    def has_filters(self) -> bool:
        return any(self.data.get(name) for name in self.FILTER_FIELDS if name in self.fields)
