"""The rules that used to be code become version 1 of the rule set, live, with the same behaviour.

Tuned settings in RuleConfig rows (enabled, weight, thresholds) carry over. The smishing rule changes
on purpose: one unreviewed report no longer floors a transfer; an analyst's confirmation, or reports
from several independent employees, or a watch-list entry promoted from a confirmed report, does.
"""

from django.db import migrations
from django.utils import timezone


def _number(value, default):
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def seed(apps, schema_editor):
    RuleConfig = apps.get_model("alerts", "RuleConfig")
    RuleSetVersion = apps.get_model("detection", "RuleSetVersion")
    Rule = apps.get_model("detection", "Rule")
    WatchList = apps.get_model("detection", "WatchList")
    if RuleSetVersion.objects.exists():
        return
    config = {c.code: c for c in RuleConfig.objects.all()}

    def tuned(code, weight, params):
        row = config.get(code)
        if row is None:
            return True, weight, params
        return row.enabled, row.weight, {**params, **(row.params or {})}

    WatchList.objects.create(
        name="smishing-accounts", kind="account", purpose="watch",
        description="Accounts named in smishing reports an analyst confirmed",
    )
    WatchList.objects.create(
        name="smishing-phones", kind="phone", purpose="watch",
        description="Phone numbers named in smishing reports an analyst confirmed",
    )
    version = RuleSetVersion.objects.create(
        number=1, status="published", is_live=True, published_at=timezone.now(),
        note="Built-in rules, moved from code",
    )
    enabled, weight, params = tuned("large_first_transfer", 0.15, {"min_amount": 3_000_000})
    minimum = _number(params.get("min_amount"), 3_000_000)
    Rule.objects.create(
        version=version, code="large_first_transfer", enabled=enabled, effect="add", value=weight,
        description="Large transfer to a beneficiary never paid before",
        condition=f"new_beneficiary == 1.0 && amount >= {minimum:.1f}",
        reason_ko=f"처음 송금하는 계좌로 {{amount:,.0f}}원을 보냅니다 (기준 {minimum:,.0f}원 이상)",
        reason_en=f"KRW {{amount:,.0f}} to a first-time beneficiary (rule threshold KRW {minimum:,.0f})",
    )
    enabled, weight, params = tuned("card_testing", 0.2, {"min_count_1h": 8})
    count = _number(params.get("min_count_1h"), 8)
    Rule.objects.create(
        version=version, code="card_testing", enabled=enabled, effect="add", value=weight,
        description="Many payments within one hour",
        condition=f"cnt_1h >= {count:.1f}",
        reason_ko="최근 1시간 동안 {cnt_1h:.0f}건이 연속 결제되었습니다 (카드 도용 시험 결제 의심)",
        reason_en="{cnt_1h:.0f} payments within an hour (possible card testing)",
    )
    enabled, _weight, params = tuned("smishing_reported_beneficiary", 0.4, {"floor": 0.95})
    floor = _number(params.get("floor"), 0.95)
    Rule.objects.create(
        version=version, code="smishing_reported_beneficiary", enabled=enabled, effect="floor", value=floor,
        description="Beneficiary named in smishing reports an analyst confirmed, or by 3 or more employees",
        condition="smishing_confirmed >= 1 || smishing_reporters >= 3",
        reason_ko="수취인({beneficiary_account}{beneficiary_phone})이 스미싱 신고 {smishing_reports}건에 "
        "등장합니다 (분석가 확인 {smishing_confirmed}건, 신고자 {smishing_reporters}명)",
        reason_en="The beneficiary ({beneficiary_account}{beneficiary_phone}) appears in {smishing_reports} "
        "smishing reports ({smishing_confirmed} confirmed by an analyst, {smishing_reporters} reporters)",
    )
    Rule.objects.create(
        version=version, code="smishing_watch_list", enabled=enabled, effect="floor", value=floor,
        description="Beneficiary on a smishing watch list (promoted from a confirmed report)",
        condition="in_list('smishing-accounts', beneficiary_account) || in_list('smishing-phones', beneficiary_phone)",
        reason_ko="수취인({beneficiary_account}{beneficiary_phone})이 확인된 스미싱 신고로 감시 목록에 올라 있습니다",
        reason_en="The beneficiary ({beneficiary_account}{beneficiary_phone}) is on the smishing watch list "
        "from a confirmed report",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("detection", "0001_initial"),
        ("alerts", "0004_score_rule_set_version"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
