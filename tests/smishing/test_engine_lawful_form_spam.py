"""Illegal offers dressed in the lawful ad form, read by structure (all messages written for these tests).

A lawful advertiser names itself (a shop, a phone line, a price, its own page); gambling and stock-tip
senders borrow `(광고)` and an 080 opt-out but give only a site code, an entry code with a link, or a
promise that a small sum grows into a large one.
"""

from __future__ import annotations

import pytest

from smishing.engine.model import SmishingModel
from smishing.engine.rules import analyse


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


@pytest.mark.parametrize(
    ("text", "disguise"),
    [
        ("(광고)바다GYM 밤새 추\u3000천\u3000석 오픈 무료거부 0801234567", "추\u3000천\u3000석"),
        ("(광고)E¹T¹H 우연이 아닌 선택 무료거부0801234567", "E¹T"),
        ("(광고)달빛 보름 이벤트 KQ-⑦⑨ 무료거부0801234567", "-⑦⑨"),
        ("(광고)놀ㅇ1터 주말 이벤트 무료수신거부0801234567", "ㅇ1"),
    ],
)
def test_an_ad_that_disguises_its_own_words_is_not_a_lawful_ad(text: str, disguise: str) -> None:
    assert {"ad_compliant", "ad_form_disguised"} <= codes(text)
    assert evidence(text, "ad_form_disguised")[0] == disguise


@pytest.mark.parametrize(
    "text",
    [
        # Circled digits numbering a list, and an ordinary fullwidth space between words.
        "(광고)한빛 문화센터 ① 요가 ② 필라테스 3월 개강 02-555-1234 무료거부0801234567",
        "(광고)한빛마트\u3000주말 특가 9,900원 무료거부0801234567",
    ],
)
def test_a_numbered_list_or_a_spaced_heading_is_no_disguise(text: str) -> None:
    assert "ad_form_disguised" not in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        # A shop's sale list: three kinds of sale words and a price, no phone to call.
        "[Web발신]한빛안경원 누진 렌즈 50% 할인 안경테 9,900원부터 매장 방문 시 추가 혜택",
        # Flats for sale: 분양 and 잔여세대, with no price at all.
        "[Web발신]♣한빛 파크뷰 오피스텔 잔여세대 분양 안내 성원에 감사드립니다",
        # How to pay at the shop is not a transaction notice.
        "[Web발신]한빛마트 한우 사전예약 받습니다 1kg 29,800원 20% 할인 제로페이 결제가능",
    ],
)
def test_unmarked_shop_lists_and_flat_sales_are_unmarked_ads(text: str) -> None:
    assert "ad_marker_missing" in codes(text)


def test_a_card_payment_notice_is_still_no_unmarked_ad() -> None:
    assert "ad_marker_missing" not in codes(
        "[Web발신]한빛카드 결제 29,800원 할인 적용 특가 상품 구매 감사합니다"
    )


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


@pytest.mark.parametrize(
    ("text", "not_fired"),
    [
        # "-ㄹ수록" is a verb ending, not 일수 (a daily-repayment loan).
        (
            "(광고)한빛몰 펀딩 오픈 모일수록 커지는 혜택 무료거부0801234567",
            {"banned_illegal_loan", "loan_lure"},
        ),
        # 세일즈 (sales) is not 세일 (a sale).
        ("[Web발신]세미-세일즈 프로모션 기간이 연장되었습니다 대상 20만 원 이상", {"ad_marker_missing"}),
        # A coupon that was sent, with its number, is a delivery notice, not an offer.
        (
            "[Web발신]한빛손해보험 주유쿠폰 10,000원 쿠폰번호 1234-5678 적립 프로모션 유효기간 60일",
            {"ad_marker_missing"},
        ),
    ],
)
def test_ordinary_words_that_contain_a_lure_word_do_not_fire_it(text: str, not_fired: set[str]) -> None:
    assert not (codes(text) & not_fired)


def test_a_daily_repayment_loan_is_still_read_glued_or_spaced() -> None:
    assert "banned_illegal_loan" in codes("일수대출 가능 010-1234-5678")
    assert "loan_lure" in codes("무직자 일수 상담 010-1234-5678")


def test_a_banned_word_broken_with_doubled_marks_is_read_and_an_ellipsis_fires_nothing() -> None:
    text = "(광고)달빛 주말24시간전..화,,방 무료거부0801234567"
    assert {"banned_adult", "obfuscated_words"} <= codes(text)
    assert evidence(text, "banned_adult")[0] == "전..화,,방"
    assert not codes("오늘 일찍 끝나서 다..보고 왔어요 좋은 하루")


@pytest.mark.parametrize(
    "text",
    [
        "(광고)한빛티켓 휴대폰 소액결제 정보이용료 80% 정산 당일입금 무료거부0801234567",
        "(광고)달빛몰 미납없을시 신용무관 소액결제 10분내 OK 무료거부 0801234567",
    ],
)
def test_cashing_out_a_phone_bill_limit_is_illegal_even_in_the_lawful_form(text: str) -> None:
    assert {"ad_compliant", "cash_out_lure"} <= codes(text)


def test_a_carrier_bill_notice_naming_micro_payments_is_no_cash_out() -> None:
    assert "cash_out_lure" not in codes("[한빛텔레콤] 이번 달 소액결제 이용 금액은 12,000원입니다")


def test_a_stock_tip_that_sells_trading_success_behind_a_link_is_a_money_lure() -> None:
    assert "money_lure" in codes(
        "(광고)옆집 부부 이거 하나로 매매성공 https://kr.pe/AbCd1 무료거부0801234567"
    )


def test_a_masked_name_is_no_disguise_and_chained_stars_are() -> None:
    from smishing.engine.lures import fold

    assert fold("[한빛여행] (권*준)님의 여권 만료일은 12월 18일입니다").inner_fillers == []
    assert [s.text for s in fold("바*카*라 첫충").inner_fillers] == ["바*카", "카*라"]
    assert fold("토*토 주소").text.startswith("토토")


def test_attack_a_longest_message_made_of_the_new_shapes_is_read_with_grounded_evidence() -> None:
    from untrusted.text import MAX_TEXT_CHARS

    unit = "전..화,,방 추\u3000천\u3000석 B¹T¹C AG-⑤⑧ ㈜ 권*준 번호변경 카톡 소액결제 정보이용료 80% 정산 "
    tail = " 무료거부0801234567"
    body = (unit * (MAX_TEXT_CHARS // len(unit) + 1))[: MAX_TEXT_CHARS - len("(광고)") - len(tail)]
    text = "(광고)" + body + tail
    assert len(text) == MAX_TEXT_CHARS
    hits = analyse(text).hits
    assert {"ad_compliant", "ad_form_disguised", "cash_out_lure", "banned_adult"} <= {h.code for h in hits}
    for hit in hits:
        assert hit.evidence and all(text[s.start : s.end] == s.text for s in hit.evidence), hit.code


@pytest.mark.parametrize("text", ["", "\u3000" * 2000, "*" * 2000, "..,," * 500, "ㅇ1" * 1000, "①" * 2000])
def test_attack_absurd_texts_fire_none_of_the_new_rules(text: str) -> None:
    new_rules = {"ad_form_disguised", "cash_out_lure", "contact_move_pretext", "money_lure", "banned_adult"}
    assert not codes(text) & new_rules
