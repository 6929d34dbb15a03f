"""Configurable rules that add to the model's probability.

A rule's code, predicate and wording live here; whether it is on, its weight and its parameters live
in `RuleConfig` rows (admin-editable), so operations can tune a rule without a deployment. Each hit
carries its own reason, worded with the values that fired it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from alerts.features import FEATURE_INDEX


@dataclass(frozen=True)
class RuleInput:
    features: list[float]
    amount: int
    beneficiary_account: str
    beneficiary_phone: str
    # How many smishing reports name this transaction's beneficiary account or phone.
    smishing_reports: int


@dataclass(frozen=True)
class RuleHit:
    code: str
    weight: float
    text_ko: str
    text_en: str
    # The final score is at least this (param "floor"): for evidence strong enough to alert on alone.
    floor: float = 0.0


@dataclass(frozen=True)
class RuleDefinition:
    code: str
    description: str
    default_weight: float
    default_params: Mapping[str, Any]
    check: Callable[[RuleInput, Mapping[str, Any]], tuple[str, str] | None]


def _feature(data: RuleInput, name: str) -> float:
    return data.features[FEATURE_INDEX[name]]


def _smishing_beneficiary(data: RuleInput, params: Mapping[str, Any]) -> tuple[str, str] | None:
    if data.smishing_reports < int(params.get("min_reports", 1)):
        return None
    target = data.beneficiary_account or data.beneficiary_phone
    return (
        f"수취인({target})이 스미싱 신고 문자 {data.smishing_reports}건에 등장합니다",
        f"The beneficiary ({target}) appears in {data.smishing_reports} smishing reports",
    )


def _large_first_transfer(data: RuleInput, params: Mapping[str, Any]) -> tuple[str, str] | None:
    minimum = int(params.get("min_amount", 3_000_000))
    if _feature(data, "new_beneficiary") != 1.0 or data.amount < minimum:
        return None
    return (
        f"처음 송금하는 계좌로 {data.amount:,}원을 보냅니다 (기준 {minimum:,}원 이상)",
        f"KRW {data.amount:,} to a first-time beneficiary (rule threshold KRW {minimum:,})",
    )


def _card_testing(data: RuleInput, params: Mapping[str, Any]) -> tuple[str, str] | None:
    count = _feature(data, "cnt_1h")
    if count < float(params.get("min_count_1h", 8)):
        return None
    return (
        f"최근 1시간 동안 {int(count)}건이 연속 결제되었습니다 (카드 도용 시험 결제 의심)",
        f"{int(count)} payments within an hour (possible card testing)",
    )


RULES: dict[str, RuleDefinition] = {
    rule.code: rule
    for rule in (
        RuleDefinition(
            "smishing_reported_beneficiary",
            "Beneficiary account or phone number was named in smishing reports",
            0.4,
            # Money sent to an account a scam text told victims to pay into: alert whatever the model says.
            {"min_reports": 1, "floor": 0.95},
            _smishing_beneficiary,
        ),
        RuleDefinition(
            "large_first_transfer",
            "Large transfer to a beneficiary never paid before",
            0.15,
            {"min_amount": 3_000_000},
            _large_first_transfer,
        ),
        RuleDefinition(
            "card_testing", "Many payments within one hour", 0.2, {"min_count_1h": 8}, _card_testing
        ),
    )
}


@dataclass(frozen=True)
class ActiveRule:
    definition: RuleDefinition
    weight: float
    params: Mapping[str, Any]


def rules_score(model_probability: float, hits: list[RuleHit]) -> float:
    """The final score: the model's probability plus the hits' weights, raised to any hit's floor."""
    boosted = model_probability + sum(hit.weight for hit in hits)
    return min(1.0, max([boosted, *(hit.floor for hit in hits)]))


def rules_evaluate(data: RuleInput, active: list[ActiveRule]) -> list[RuleHit]:
    hits: list[RuleHit] = []
    for rule in active:
        worded = rule.definition.check(data, rule.params)
        if worded is not None:
            hits.append(
                RuleHit(
                    rule.definition.code, rule.weight, *worded, floor=float(rule.params.get("floor", 0.0))
                )
            )
    return hits
