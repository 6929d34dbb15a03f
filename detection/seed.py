"""The built-in rules, installed as live version 1 when no rule set exists.

Used by the data migration that moved the rules out of code (carrying over tuned RuleConfig
settings), and after every migrate or test-database flush, so a database never lacks a live rule set.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone


def _number(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def builtin_rules_install(
    *,
    version_model: Any,
    rule_model: Any,
    list_model: Any,
    tuned: dict[str, tuple[bool, float, dict[str, Any]]] | None = None,
) -> bool:
    """Create the smishing watch lists and version 1 with the built-in rules, unless any version
    exists. Takes the model classes (the migration passes its historical ones). Safe to repeat."""
    for name, kind in (("smishing-accounts", "account"), ("smishing-phones", "phone")):
        list_model.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "purpose": "watch",
                "description": f"{kind.title()}s named in smishing reports an analyst confirmed",
            },
        )
    if version_model.objects.exists():
        return False
    tuned = tuned or {}

    def setting(code: str, weight: float, params: dict[str, Any]) -> tuple[bool, float, dict[str, Any]]:
        if code not in tuned:
            return True, weight, params
        enabled, tuned_weight, tuned_params = tuned[code]
        return enabled, tuned_weight, {**params, **tuned_params}

    version = version_model.objects.create(
        number=1,
        status="published",
        is_live=True,
        published_at=timezone.now(),
        note="Built-in rules, moved from code",
    )
    enabled, weight, params = setting("large_first_transfer", 0.15, {"min_amount": 3_000_000})
    minimum = _number(params.get("min_amount"), 3_000_000)
    rules = [
        dict(
            code="large_first_transfer",
            enabled=enabled,
            effect="add",
            value=weight,
            description="Large transfer to a beneficiary never paid before",
            condition=f"new_beneficiary == 1.0 && amount >= {minimum:.1f}",
            reason_ko=f"처음 송금하는 계좌로 {{amount:,.0f}}원을 보냅니다 (기준 {minimum:,.0f}원 이상)",
            reason_en=f"KRW {{amount:,.0f}} to a first-time beneficiary (rule threshold KRW {minimum:,.0f})",
        )
    ]
    enabled, weight, params = setting("card_testing", 0.2, {"min_count_1h": 8})
    count = _number(params.get("min_count_1h"), 8)
    rules.append(
        dict(
            code="card_testing",
            enabled=enabled,
            effect="add",
            value=weight,
            description="Many payments within one hour",
            condition=f"cnt_1h >= {count:.1f}",
            reason_ko="최근 1시간 동안 {cnt_1h:.0f}건이 연속 결제되었습니다 (카드 도용 시험 결제 의심)",
            reason_en="{cnt_1h:.0f} payments within an hour (possible card testing)",
        )
    )
    enabled, _weight, params = setting("smishing_reported_beneficiary", 0.4, {"floor": 0.95})
    floor = _number(params.get("floor"), 0.95)
    rules.append(
        dict(
            code="smishing_reported_beneficiary",
            enabled=enabled,
            effect="floor",
            value=floor,
            description="Beneficiary named in smishing reports an analyst confirmed, or by 3 or more employees",
            condition="smishing_confirmed >= 1 || smishing_reporters >= 3",
            reason_ko="수취인({beneficiary_account}{beneficiary_phone})이 스미싱 신고 {smishing_reports}건에 "
            "등장합니다 (분석가 확인 {smishing_confirmed}건, 신고자 {smishing_reporters}명)",
            reason_en="The beneficiary ({beneficiary_account}{beneficiary_phone}) appears in {smishing_reports} "
            "smishing reports ({smishing_confirmed} confirmed by an analyst, {smishing_reporters} reporters)",
        )
    )
    rules.append(
        dict(
            code="smishing_watch_list",
            enabled=enabled,
            effect="floor",
            value=floor,
            description="Beneficiary on a smishing watch list (promoted from a confirmed report)",
            condition="in_list('smishing-accounts', beneficiary_account) "
            "|| in_list('smishing-phones', beneficiary_phone)",
            reason_ko="수취인({beneficiary_account}{beneficiary_phone})이 확인된 스미싱 신고로 감시 목록에 올라 있습니다",
            reason_en="The beneficiary ({beneficiary_account}{beneficiary_phone}) is on the smishing watch list "
            "from a confirmed report",
        )
    )
    for rule in rules:
        rule_model.objects.create(version=version, **rule)
    return True


def builtin_rules_ensure(**_: Any) -> None:
    """post_migrate: a database (or a flushed test database) without any rule set gets the built-in
    rules. Safe to repeat."""
    from detection.models import Rule, RuleSetVersion, WatchList

    builtin_rules_install(version_model=RuleSetVersion, rule_model=Rule, list_model=WatchList)
