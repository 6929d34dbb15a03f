import functools
from datetime import date, datetime
from typing import Any

from django import template
from django.conf import settings
from django.utils import timezone, translation

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
def won(value: int | float | str | None) -> str:
    """An amount in won as Korean screens write it, in either language: 7,000원, -1,500원.

    Whole won (KRW has no minor unit); a value that is not a number is shown as it is."""
    if value is None or value == "":
        return "–"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:,.0f}원"


@functools.cache
def _choice_labels(label: str, field_name: str) -> dict[Any, Any]:
    from django.apps import apps

    field = apps.get_model(label)._meta.get_field(field_name)
    return dict(getattr(field, "flatchoices", ()))


@register.filter
def choice_label(instance: Any, field_name: str) -> str:
    """What `get_<field>_display` shows, for rows rendered by the hundred (pushed alert rows):
    Django's hashes every choice's lazy label on each call, which translates each of them."""
    value = getattr(instance, field_name)
    return str(_choice_labels(instance._meta.label, field_name).get(value, value))


@register.filter
def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _reason_in(reason: Any, language: str) -> str:
    other = "en" if language == "ko" else "ko"
    get = reason.get if isinstance(reason, dict) else (lambda key: getattr(reason, key, None))
    return str(get(f"text_{language}") or get(f"text_{other}") or get("code") or "")


def viewer_language() -> str:
    """The language pages are being rendered in: the viewing person's (access.language sets it per
    request; pushes render once per language). Reasons and verdicts follow it; FDS_REASON_LANGUAGE
    is the default only where nobody is looking (the API, exports)."""
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return language if language in {"ko", "en"} else settings.FDS_REASON_LANGUAGE


@register.filter
def reason_text(reason: Any) -> str:
    """A reason (alert or smishing; anything with text_ko/text_en) in the viewer's language."""
    return _reason_in(reason, viewer_language())


@register.filter
def reason_text_other(reason: Any) -> str:
    """The same reason in the other language, shown beside it on the alert page."""
    return _reason_in(reason, "en" if viewer_language() == "ko" else "ko")


@register.filter
def in_viewer_language(pair: Any) -> str:
    """(Korean, English) → the one in the viewer's language."""
    if not pair:
        return ""
    return str(pair[1] if viewer_language() == "en" else pair[0])


@register.filter
def in_other_language(pair: Any) -> str:
    if not pair:
        return ""
    return str(pair[0] if viewer_language() == "en" else pair[1])


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
def fixed(value: float | None, digits: int = 2) -> str:
    """A number with a fixed count of decimals, as `floatformat:N` shows scores (both languages
    write the decimal point), at a fraction of its cost: pushed rows are rendered by the hundred."""
    if value is None or value == "":
        return ""
    try:
        return f"{float(value):.{int(digits)}f}"
    except (TypeError, ValueError):
        return str(value)


@register.filter
def iso(value: datetime | None) -> str:
    """An instant in ISO 8601, Seoul time, whatever time zone the rendering thread has active: a
    pushed row and the same row rendered by a socket's catch-up must be the same text, or the
    socket takes it for a changed alert and sends it twice."""
    return "" if value is None else value.astimezone(KST).isoformat()


@register.filter
def alert_status_label(status: str) -> str:
    return str(Alert.Status(status).label) if status in Alert.Status.values else status


@register.filter
def category_label(category: str | None) -> str:
    if not category:
        return "–"
    return str(MerchantCategory(category).label) if category in MerchantCategory.values else category
