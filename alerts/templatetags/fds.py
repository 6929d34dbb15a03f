from django import template

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
