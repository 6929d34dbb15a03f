from datetime import date, datetime

from django import template
from django.conf import settings
from django.utils import timezone

from alerts.features import KST
from alerts.models import Alert, MerchantCategory

register = template.Library()


@register.filter
def risk_class(score: float) -> str:
    # Alert thresholds are chosen per model (often 0.3–0.5), so "mid" starts low on purpose.
    if score >= 0.8:
        return "high"
    if score >= 0.3:
        return "mid"
    return "low"


@register.filter
def won(value: int | float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}원"


@register.filter
def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _reason_in(reason: dict, language: str) -> str:
    other = "en" if language == "ko" else "ko"
    return str(reason.get(f"text_{language}") or reason.get(f"text_{other}") or reason.get("code", ""))


@register.filter
def reason_text(reason: dict) -> str:
    """A reason in the configured reason language (FDS_REASON_LANGUAGE; Korean by default)."""
    return _reason_in(reason, settings.FDS_REASON_LANGUAGE)


@register.filter
def reason_text_other(reason: dict) -> str:
    """The same reason in the other language, shown beside it on the alert page."""
    return _reason_in(reason, "en" if settings.FDS_REASON_LANGUAGE == "ko" else "ko")


@register.filter
def kst(value: datetime | date | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An instant as Seoul wall-clock time, whatever the server's or the user's time zone (a date is
    already a Seoul calendar day and is only formatted)."""
    if value is None:
        return "–"
    if not isinstance(value, datetime):
        return value.strftime(fmt)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, KST)
    return value.astimezone(KST).strftime(fmt)


@register.filter
def alert_status_label(status: str) -> str:
    return str(Alert.Status(status).label) if status in Alert.Status.values else status


@register.filter
def category_label(category: str | None) -> str:
    if not category:
        return "–"
    return str(MerchantCategory(category).label) if category in MerchantCategory.values else category
