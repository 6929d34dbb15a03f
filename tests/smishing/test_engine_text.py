"""Engine parts that need no model: masking, indicators, abuse check, reasons' rules, corpus split."""

from __future__ import annotations

from collections import Counter

import pytest

from smishing.engine import (
    ABUSE_REPLY_EN,
    ABUSE_REPLY_KO,
    extract_indicators,
    generate_corpus,
    is_abusive,
    mask_personal_data,
    split_by_template,
)
from smishing.engine.rules import analyse


def test_resident_registration_number_is_masked_keeping_shape() -> None:
    masked = mask_personal_data("본인확인용 주민번호 900101-1234567 보냅니다")
    assert "1234567" not in masked and "900101-1******" in masked
    assert len(masked) == len("본인확인용 주민번호 900101-1234567 보냅니다")
    assert "******" in mask_personal_data("주민번호9001012345678")


@pytest.mark.parametrize("card", ["4111 1111 1111 1111", "4111-1111-1111-1111", "5500000000000004"])
def test_luhn_valid_card_numbers_are_masked(card: str) -> None:
    masked = mask_personal_data(f"카드번호 {card} 로 결제했어요")
    digits = "".join(c for c in masked if c.isdigit())
    assert "*" in masked and len(digits) == 8  # first four and last four only


def test_masking_keeps_scammer_indicators() -> None:
    text = (
        "900101-1234567 확인 후 신한 110-123-456789 로 입금, 문의 02-3456-7890, "
        "카톡 ID scam77, bit.ly/3xYz 4111 1111 1111 1111"
    )
    masked = mask_personal_data(text)
    for kept in ("110-123-456789", "02-3456-7890", "scam77", "bit.ly/3xYz"):
        assert kept in masked
    assert "1234567" not in masked and "4111 1111 1111 1111" not in masked
    assert mask_personal_data(masked) == masked
    # A non-Luhn 16-digit number (e.g. an order number) is left alone.
    assert mask_personal_data("주문번호 1234 5678 9012 3456") == "주문번호 1234 5678 9012 3456"


def test_indicators_are_found_and_normalised() -> None:
    text = (
        "[국민건강보험] 검진 결과 hxxps://nhis-kr[.]top/a1 또는 https://bit.ly/3AbC 확인, "
        "문의 +82 10-1234-5678, 1588-1234, 텔레그램 @Lead_King, 카톡 ID Money77, "
        "open.kakao.com/o/sXyZ12, 입금계좌 국민 123456-01-123456"
    )
    found = {(i.kind, i.normalized) for i in extract_indicators(text)}
    assert ("url", "nhis-kr.top") in found
    assert ("url", "bit.ly") in found
    assert ("phone", "01012345678") in found
    assert ("phone", "15881234") in found
    assert ("messenger", "lead_king") in found
    assert ("messenger", "money77") in found
    assert ("messenger", "sxyz12") in found
    assert ("account", "12345601123456") in found
    for indicator in extract_indicators(text):
        assert text[indicator.span.start : indicator.span.end] == indicator.span.text == indicator.value


def test_url_variants() -> None:
    text = (
        "앱 http://112.175.22.1:8080/app.apk 와 https://xn--80ak6aa92e.com/login, www.kbstar.com, a@naver.com"
    )
    urls = {i.normalized for i in extract_indicators(text) if i.kind == "url"}
    assert urls == {"112.175.22.1", "аррӏе.com", "kbstar.com"}  # the e-mail address is not a link


@pytest.mark.parametrize(
    "text",
    [
        "시발 뭐하는 거야",
        "씨1발",
        "시 발 놈아",
        "ㅆㅣㅂㅏㄹ",
        "ㅅㅂ 진짜",
        "병신같은 은행",
        "fuck you",
        "f*ck this",
        "F U C K",
        "sh!t bank",
        "개18",
        "you b1tch",
        "ㅆ1발 작작 해라",
        "시ㅂ 짜증나",
        "씨@발 또 스팸",
        "미친 새끼 또 보냈네",
        "개같은 새끼 그만 보내",
        "tlqkf 사기꾼",
        "쉬펄 진짜",
        "개 소 리 하지 마",
        "틀딱 같은 소리",
        "짱깨 사기꾼들",
        "싸가지 없는 문자",
        "엿같은 스팸 또 왔네",
        "너 같은 새끼",
    ],
)
def test_abuse_is_detected_through_evasions(text: str) -> None:
    assert is_abusive(text)


@pytest.mark.parametrize(
    "text",
    [
        "결제 시 발송됩니다",
        "시발점에서 출발합니다",
        "엄마 나 폰 액정 깨져서 임시폰으로 문자해",
        "새끼 고양이 분양합니다",
        "미친 가격 특가 세일",
        "2018년 12월 정산",
        "Shitake mushrooms on sale",
        "Please check your account",
        "보지 마세요",
        "감염병 예방 접종 안내",
        "염병 예방 접종 역사 자료",
        "(광고) 혜택 보기 https://naver.me/sefukqtt 무료거부 0801234567",
        "쿠폰 받기 www.lucky.co.kr/kys?c=1무료수신거부",
        "Shittake and Scunthorpe",
        "폰이 꺼져서 연락 못 했어",
        "정부지원 등신청 서류 안내",
        "새끼손가락 반지 주문",
        "병원 방문 시 발열 체크",
        "[한빛카드] 12,000원 일시불 승인",
        "M&A 이슈발표 예정 종목",
        "코레지롤러 1회 40만",
        "시바견 분양합니다",
        "새키보드 주문 완료",
        "10개넘게 주문하면 무료배송",
        "같은 놈이 또 보냈어",
        "같은 년 같은 날 태어났어",
    ],
)
def test_ordinary_words_are_not_abuse(text: str) -> None:
    assert not is_abusive(text)


def test_fixed_replies_exist_in_both_languages() -> None:
    assert "욕설" in ABUSE_REPLY_KO and "abusive" in ABUSE_REPLY_EN


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("[부고] 부친 별세 장례식장 안내 https://bit.ly/3xYz9q", "obituary_wedding_link"),
        ("[부고] 부친 별세 장례식장 안내 https://bit.ly/3xYz9q", "url_shortener"),
        ("[국민건강보험] 검진 결과 nhis-kr.top/a1b2", "url_lookalike"),
        ("[국민건강보험] 검진 결과 nhis-kr.top/a1b2", "agency_unofficial_link"),
        ("보안앱 설치 http://112.175.22.1/app.apk", "url_apk"),
        ("보안앱 설치 http://112.175.22.1/app.apk", "url_ip_host"),
        ("로그인 https://xn--80ak6aa92e.com/login", "url_punycode"),
        ("엄마 나 폰 액정 깨져서 이 번호로 답장줘", "family_impersonation"),
        ("VIP 리딩방 수익 보장 카톡 ID stock77", "messenger_lure"),
        ("VIP 리딩방 수익 보장 카톡 ID stock77", "banned_stock_leading"),
        ("(광 고) 전 품목 50% 할인 특가 cheap-sale.shop", "ad_marker_evasive"),
        ("(광고) 전 품목 50% 할인 특가 문의 02-123-4567", "ad_no_optout"),
        ("신규 오픈 50% 할인 특가 이벤트 문의 010-1234-5678", "ad_marker_missing"),
        ("[국제발신] 해외결제 870,000원 승인. 본인 아닐 시 문의 02-3456-7890", "intl_payment_callback"),
        ("서울중앙지검 수사관입니다. 대포통장 사건 연루 연락 바랍니다 02-3456-7890", "prosecutor_callback"),
        ("[CJ대한통운] 주소불명 반송 예정 주소수정 parcel-kr.xyz/9", "delivery_link"),
        ("소비쿠폰 지급 대상 신청 coupon-go.click/1", "benefit_link"),
        ("바카라 카지노 첫충 20% casino-vip.top", "banned_gambling"),
        ("[11번가] 결제수단 변경 접수. 본인이 아닐 경우 연락 070-4433-1299", "callback_not_me"),
        ("(광고) 맛나피자 신메뉴 20% 할인 주문 02-123-4567 무료수신거부 080-123-4567", "ad_compliant"),
    ],
)
def test_rules_fire_with_evidence_from_the_message(text: str, code: str) -> None:
    hits = {hit.code: hit for hit in analyse(text).hits}
    assert code in hits
    for span in hits[code].evidence:
        assert span.text and text[span.start : span.end] == span.text


def test_not_me_with_a_service_line_is_not_a_lure() -> None:
    codes = {hit.code for hit in analyse("[신한카드] 재발급 접수. 본인이 아닌 경우 고객센터 1544-7000").hits}
    assert "callback_not_me" not in codes and "intl_payment_callback" not in codes


def test_corpus_covers_taxonomy_with_many_templates_and_split_holds_out_templates() -> None:
    corpus = generate_corpus(seed=1, per_template=3)
    templates_per_kind = Counter(kind for kind, _ in {(e.kind, e.template_id) for e in corpus})
    assert min(templates_per_kind.values()) >= 4 and len(templates_per_kind) >= 25
    assert {e.label for e in corpus} == {"smishing", "spam", "ad", "normal"}
    assert generate_corpus(seed=1, per_template=3) == corpus  # deterministic
    train, test = split_by_template(corpus, seed=0)
    assert {e.template_id for e in train}.isdisjoint({e.template_id for e in test})
    assert {e.kind for e in test} == {e.kind for e in corpus}
