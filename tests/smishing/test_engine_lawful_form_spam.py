"""Illegal offers dressed in the lawful ad form, read by structure (all messages written for these tests).

A lawful advertiser names itself (a shop, a phone line, a price, its own page); gambling and stock-tip
senders borrow `(광고)` and an 080 opt-out but give only a site code, an entry code with a link, or a
promise that a small sum grows into a large one.
"""

from __future__ import annotations

import pytest

from smishing.engine.model import SmishingModel
from smishing.engine.rules import analyse
from smishing.engine.training import train_default


def codes(text: str) -> set[str]:
    return {hit.code for hit in analyse(text).hits}


def evidence(text: str, code: str) -> list[str]:
    hit = next(h for h in analyse(text).hits if h.code == code)
    assert all(text[s.start : s.end] == s.text for s in hit.evidence)
    return [s.text for s in hit.evidence]


def test_an_ad_that_gives_only_a_site_code_is_not_a_lawful_ad() -> None:
    text = "(광고)은하수 kiwi27 크롬에서 안 열리면 다른 브라우저로 들어오세요무료거부0801234567"
    assert {"ad_compliant", "ad_form_code_only"} <= codes(text)
    assert evidence(text, "ad_form_code_only") == ["kiwi27"]


@pytest.mark.parametrize(
    "text",
    [
        "(광고)한빛 파크레인 잔여세대 분양 상담 02-555-1234 무료거부0801234567",
        "(광고)폰마켓 특가 S26U 19 A17 5 플7 -3 무료거부 080-123-4567",
        "(광고)데일리웨어 전품목 9,900원 LG105 요금제 가능 무료거부0801234567",
    ],
)
def test_a_named_business_a_model_number_or_a_figure_is_not_a_site_code(text: str) -> None:
    assert "ad_form_code_only" not in codes(text)


def test_an_entry_code_with_a_link_is_read_and_a_sign_in_code_is_not() -> None:
    lure = "(광고)급등 종목 무료 공개 han.gl/AbCdE 입장코드:4821 무료거부0801234567"
    assert "entry_code_link" in codes(lure)
    assert "4821" in evidence(lure, "entry_code_link")[0]
    assert "entry_code_link" not in codes("[은행] 인증번호 코드 482193 를 입력하세요 http://bank.example.com")


@pytest.mark.parametrize(
    "text", ["(광고)3만원으로 450만원 만들기 bit.ly/xYz12", "하루 10분 월 2000만 버는 방법"]
)
def test_small_money_growing_into_large_money_is_a_profit_claim(text: str) -> None:
    assert "money_growth_claim" in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "(광고)가전 특가 999,000원 → 699,000원 매장 02-555-1234 무료거부0801234567",
        "[카드] 12/01 승인 45,000원 일시불 누적 1,245,000원",
        "1 > 2 순서로 오세요",
    ],
)
def test_a_price_cut_a_card_approval_or_plain_numbers_are_no_profit_claim(text: str) -> None:
    assert "money_growth_claim" not in codes(text)


def test_a_priced_offer_without_the_ad_marker_is_an_unmarked_ad_and_a_bill_is_not() -> None:
    assert "ad_marker_missing" in codes(
        "[Web발신]행복정육 설 선물세트 사전예약 받습니다 한우 1호 89,000원 20% 할인"
    )
    assert "ad_marker_missing" not in codes(
        "[Web발신]이번 달 관리비 89,000원 납부 안내 할인 행사 참여 감사합니다"
    )


@pytest.fixture(scope="module")
def default_model() -> SmishingModel:
    model, _report, _held = train_default(seed=0, per_template=8)
    return model


LAWFUL_FORM_SPAM = {
    "site code only": "(광고)은하수 kiwi27 크롬에서 안 열리면 다른 브라우저로 들어오세요무료거부0801234567",
    "stock tip with entry code": "(광고)오늘의 급등주 무료 공개 han.gl/AbCdE 입장:4821무료거부 0801234567",
    "money growth": "(광고)퇴근 후 휴대폰 하나로 3만원으로 450만원 만들기 vo.la/QwErT무료수신거부 080-123-4567",
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(LAWFUL_FORM_SPAM))
def test_illegal_offers_in_the_lawful_ad_form_are_spam(default_model: SmishingModel, kind: str) -> None:
    verdict = default_model.predict([LAWFUL_FORM_SPAM[kind]])[0]
    assert verdict.label == "spam", (kind, verdict.label, verdict.probabilities)


LAWFUL_SHORT_ADS = {
    "flat name only": "(광고)한빛 파크레인 모델하우스 오픈무료거부0801234567",
    "designated driver": "(광고)강남대리운전은 02-555-1234 편하게 부르세요 무료거부 080-123-4567",
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(LAWFUL_SHORT_ADS))
def test_short_lawful_ads_with_a_business_identity_stay_ads(default_model: SmishingModel, kind: str) -> None:
    verdict = default_model.predict([LAWFUL_SHORT_ADS[kind]])[0]
    assert verdict.label == "ad", (kind, verdict.label, verdict.probabilities)
