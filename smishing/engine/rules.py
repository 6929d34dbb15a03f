# ruff: noqa: E501  (Korean template and lexicon lines: Hangul counts double towards the limit)
"""Grounded rules: each fires only with evidence spans from the message, and each is also a model feature.

A rule hit is a reason candidate: a code, the class it argues for, a prior strength in [0, 1], Korean and
English sentences, and the spans it rests on. The model later turns the strength into the reason's
weight using its own contribution for that rule (see `model.py`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from smishing.engine.indicators import (
    OFFICIAL_DOMAINS,
    UrlInfo,
    extract_indicators,
    lookalike_of,
    url_info,
)
from smishing.engine.lures import LURE_DENSE, LURE_SPECS, lures
from smishing.engine.types import Indicator, Span
from untrusted.text import Match, SafePattern, compile_pattern


def _lexicon(pattern: str) -> str:
    return pattern


# Look-behind and look-ahead are written as context outside a named group `hitN`; the finding is that
# group when one matched, else the whole match (see `_finding_group`).
_LEXICON_PATTERNS: dict[str, str] = {
    "obituary": _lexicon(
        r"부고|별세|부음|장례식장|발인|빈소|영면|소천|작고|모친상|부친상|조문|obituary|passed away|funeral"
    ),
    "wedding": _lexicon(
        r"청첩장|결혼식|모바일\s?청첩|결혼\s?합니다|결혼해요|웨딩|둘(?:이|에서)\s?하나|하나\s?되려|저희\s?두\s?사람|"
        r"wedding|invitation"
    ),
    "agency": _lexicon(
        r"국민건강보험(?:공단)?|건강보험(?:공단)?|건강검진|국세청|홈택스|정부24|경찰청|검찰청|법원|도로교통공단|교통민원|"
        r"과태료|범칙금|행정안전부|행안부|관세청|질병관리청|국민연금|근로복지공단|한국전력|주민센터|보건소|\bIRS\b|HMRC|"
        r"보험\s?공단|건강\s?보험\s?센터|이파인|교\s?통\s?24|처벌\s?통지서|위반\s?(?:통지서|운행|운전)|신체\s?검사|"
        r"\bDMV\b|toll (?:notice|payment)|tax refund|government"
    ),
    "delivery": _lexicon(
        r"택배|배송|반송|주소\s?불명|주소지|주소\s?(?:수정|변경|확인|오류)|운송장|송장|보관\s?(?:중|기간)|배달|통관|"
        r"대한통운|한진택배|롯데택배|로젠|우체국\s?택배|parcel|package|delivery|shipment|courier|\bUSPS\b|\bDHL\b|FedEx"
    ),
    "benefit": _lexicon(
        r"지원금|환급금|환급|소비\s?쿠폰|재난\s?지원금|민생\s?회복|장려금|보조금|지급\s?대상|포인트\s?소멸|소멸\s?예정|쿠폰|"
        r"당첨|경품|상품권|refund|prize|reward|voucher|gift\s?card|you (?:have )?won|cash bonus|bonus"
    ),
    "account": _lexicon(
        r"비정상\s?(?:적인\s?)?(?:로그인|접속)|로그인\s?시도|해외\s?(?:로그인|접속)|계정|보안\s?인증|본인\s?인증|비밀번호|"
        r"개인\s?정보\s?(?:가\s?)?유출|해킹|도용|이용\s?정지|잠금|unusual (?:sign-?in|activity|login)|verify your account|"
        r"password|account (?:has been )?(?:locked|suspended|compromised)|suspended|on hold|"
        r"(?:payment|billing) (?:details|information|info)|update your (?:payment|billing|account)"
    ),
    "family": _lexicon(
        r"엄마|아빠|어머니|아버지|아들|(?:^|[^가-힣])(?P<hit1>딸)|누나|언니|오빠|(?:^|[^가-힣])(?P<hit2>형)(?:[\s,.!?]|$|이야|인데|이|아)|"
        r"이모|삼촌|\bmom\b|\bmum\b|\bdad\b|\bmother\b|\bfather\b"
    ),
    "phone_trouble": _lexicon(
        r"액정|폰\s?(?:이\s?)?(?:고장|깨|망가|잃어|분실|수리|맡겼|물에)|휴대폰\s?(?:이\s?)?(?:고장|깨|망가|분실|수리)|"
        r"임시\s?폰|임시\s?번호|새\s?번호|번호\s?(?:가\s?)?바뀌|phone (?:is )?(?:broken|broke|cracked|lost|damaged)|"
        r"new (?:phone|number)|temporary phone|dropped my phone"
    ),
    "family_request": _lexicon(
        r"답장|문자\s?(?:해\s?)?줘|연락\s?줘|카톡\s?(?:추가|친추)|친구\s?추가|신분증|카드\s?(?:사진|번호|앞뒤)|송금|"
        r"보내\s?줘|이체|입금|상품권|결제\s?(?:좀|해)|인증\s?번호|돈\s?(?:좀|이)|빌려|send (?:me )?money|gift cards?|"
        r"reply|text me|your card|transfer|whatsapp"
    ),
    "ad_words": _lexicon(
        r"할인|이벤트|특가|혜택|(?P<hit2>세일)(?:[^즈]|$)|무료\s?체험|오픈|신규\s?가입|프로모션|적립|최대\s?\d+\s?%|(?:^|\D)(?P<hit1>\d+\s?%)|선착순|한정|출시|분양|"
        r"모집|고수익|무료|추천|구매|주문|매장|사은품|공동\s?구매|출고가|실구매가|초특가|잔여\s?세대|급매|"
        r"sale|discount|offer|promo|free|deal|% off|subscribe"
    ),
    "gambling": _lexicon(
        r"토토|바카라|카지노|슬롯|사설|배팅|베팅|먹튀|첫충|매충|홀덤|파워볼|스포츠\s?분석|충전\s?보너스|casino|betting|\bslots?\b"
    ),
    "illegal_loan": _lexicon(
        r"무직자|신불자|신용\s?불량|작업\s?대출|당일\s?대출|무서류|무담보|급전|(?P<hit1>일수)(?:[^록]|$)|저신용\s?(?:대출|가능|자)|누구나\s?대출|"
        r"연체자\s?(?:가능|대출)|대출\s?100\s?%|payday loan|no credit check"
    ),
    "drugs": _lexicon(
        r"비아그라|시알리스|발기부전|정력제|레비트라|수면제|졸피뎀|처방전\s?없이|식욕\s?억제제|다이어트\s?약|viagra|cialis"
    ),
    "stock_leading": _lexicon(
        r"리딩방|급등주|종목\s?추천|수익\s?보장|원금\s?보장|(?:^|\D)(?P<hit1>\d{2,4}\s?%\s?(?:이상\s?)?수익)|고수익|VIP\s?(?:방|리딩)|"
        r"(?:코인|주식|투자)\s?(?:리딩|추천|전문가)|guaranteed (?:returns?|profits?)"
    ),
    "intl_marker": _lexicon(r"\[(?:국제\s?발신|해외\s?발신|국외\s?발신)\]"),
    "web_marker": _lexicon(r"\[\s?web\s?발신\s?\]"),
    "approval": _lexicon(
        r"승인|해외\s?결제|결제\s?(?:완료|되었|됨)|결제|출금|구매\s?완료|주문\s?완료|approved|charged|payment|purchase"
    ),
    "amount": _lexicon(
        r"(?:^|[^\d,.])(?P<hit1>\d[\d,.]*\s?(?:원|만원|USD|달러|KRW))|\$\s?\d[\d,.]*|£\s?\d[\d,.]*"
    ),
    "callback": _lexicon(r"문의|연락|전화|고객\s?센터|신고|상담|call|contact|ring"),
    "not_me": _lexicon(
        r"본인\s?(?:이\s?)?(?:아닐|아니|미사용|요청이\s?아닌)|아닐\s?(?:경우|시)|not you|did not|didn't|unauthori[sz]ed"
    ),
    "prosecutor": _lexicon(
        r"검찰|검사\s?(?:실|님|측|사칭)|담당\s?검사|수사관|경찰|사이버\s?수사대|금감원|금융감독원|구속|(?:^|[^수])(?P<hit1>영장)|"
        r"안전\s?계좌|대포\s?통장|명의\s?도용|사건\s?(?:에\s?)?연루|범죄\s?연루|출석\s?요구|소환|수사\s?(?:기관|팀|과|중|협조)|"
        r"police|prosecutor|arrest warrant"
    ),
    "bank": _lexicon(
        r"국민은행|KB국민|신한은행|우리은행|하나은행|농협|기업은행|IBK|카카오뱅크|케이뱅크|토스뱅크|새마을금고|저축은행|"
        r"캐피탈|KB|NH|우리금융|하나금융|신한금융|교보|증권|\bbank\b"
    ),
    "loan": _lexicon(r"대출|한도|저금리|대환|정부\s?지원|햇살론|서민\s?금융|특례|\bloans?\b|low interest"),
    "app_install": _lexicon(
        r"앱\s?(?:을\s?)?(?:설치|다운)|어플\s?(?:을\s?)?(?:설치|다운)|설치\s?(?:하|해|후)|다운로드|\binstall|download the app"
    ),
    "personal_data": _lexicon(
        r"주민\s?(?:등록)?\s?번호|주민\s?(?:등록\s?)?증|운전\s?면허증|면허증|신분증|카드\s?번호|비밀번호|\bOTP\b|인증\s?번호|보안\s?카드|\bCVC\b|\bPIN\b|"
        r"social security|\bSSN\b|card (?:number|details)|bank details"
    ),
    "send_verb": _lexicon(r"보내|알려|전송|촬영|찍어|제출|회신|send|provide|reply with|text back"),
    "urgency": _lexicon(
        r"오늘\s?(?:까지|중)|즉시|(?:^|\D)(?P<hit1>\d+\s?시간\s?(?:내|이내))|미확인\s?시|미납\s?시|불이익|법적\s?조치|압류|정지\s?예정|"
        r"소멸\s?예정|반송\s?예정|긴급|urgent|immediately|within \d+ hours|final notice|expires? today"
    ),
    "otp": _lexicon(
        r"(?:인증\s?번호|승인\s?번호|OTP|verification code|passcode|security code|일회용\s?코드|인증\s?코드|코드|\bcode)\D{0,12}\d{4,8}|"
        r"<#>\s?\d{3}"
    ),
    "ad_review": _lexicon(
        r"심의필|준법\s?감시인?\s?(?:확인|심의)|심의\s?번호|여신\s?금융\s?협회|생명\s?보험\s?협회|손해\s?보험\s?협회|"
        r"금융\s?투자\s?협회|예금자\s?보호|상품\s?설명서|약관을?\s?확인"
    ),
    "support_pitch": _lexicon(
        r"정부|정책|서민|긴급|민생|특례|지원\s?(?:대상|상품|정책|사업)|재정|한시적|채무\s?통합|대환|소진\s?시|"
        r"대상자|미신청|재\s?안내"
    ),
    "scam_warning": _lexicon(
        r"스미싱|보이스\s?피싱|메신저\s?피싱|피싱\s?(?:주의|예방|수법|피해|사기)|사칭\s?(?:문자|사기|스미싱|피싱|주의)|"
        r"주의\s?(?:하시기|하세요|바랍니다|가\s?필요)|속지\s?마|절대\s?(?:클릭|누르지|설치하지|알려주지|요구하지)|"
        r"출처가?\s?(?:불분명|불명확)|예방\s?(?:수칙|요령)|피해\s?(?:예방|신고)|phishing|scam alert|never ask"
    ),
    "appointment": _lexicon(r"예약|진료|내원|방문\s?일|appointment|reminder|일정\s?안내"),
    # An organisation a lure can hide behind: a sender tag in brackets, or a bank, card, courier,
    # platform or agency name.
    "organisation": _lexicon(
        r"^\s*(?:\[\s?web\s?발신\s?\]\s*)?\[[^\]\n]{2,20}\]|은행|카드|뱅크|금고|캐피탈|보험|택배|대한통운|우체국|"
        r"네이버|카카오|토스|쿠팡|11번가|공단|검찰|경찰|법원|국세청|정부|\bIRS\b|\bUSPS\b|\bDHL\b|FedEx|Netflix|"
        r"Apple|Amazon|PayPal|\bbank\b"
    ),
    "english_spam": _lexicon(
        r"\bwin(?:ner)?\b|\bclaim\b|\burgent\b|\btxt\b|\bcash\b|\bprize\b|\bfree\b|\bmobile\b|\bcall now\b|"
        r"\bguaranteed\b|\bselected\b|£|\bringtone\b|\bSTOP\b"
    ),
}

LEXICONS: dict[str, SafePattern] = {
    name: compile_pattern(f"rules.lexicon.{name}", pattern, ignore_case=True)
    for name, pattern in _LEXICON_PATTERNS.items()
}

# Transport tags ([Web발신], [MMS], …) are added by the network or the phone, not by the sender.
AD_MARKER_START = compile_pattern(
    "rules.ad_marker_start",
    r"^\s*(?:\[\s?(?:web\s?발신|mms|lms|sms|rcs)\s?\]\s*){0,2}\(광고\)",
    ignore_case=True,
)
AD_MARKER_ANY = compile_pattern("rules.ad_marker_any", r"\(광고\)")
# A parenthesised 광고 with any space inside is evasive; the exact "(광고)" is the lawful marker.
AD_MARKER_EVASIVE = compile_pattern(
    "rules.ad_marker_evasive",
    r"\(\s*광\s*[.\-·/_,*ㆍ]\s*고\s*\)|\(\s*광\s+고\s*\)|\[\s*광\s*고\s*\]|<\s*광\s*고\s*>|【\s*광\s*고\s*】|"
    r"\(광ㄱ\)|\(광\)|\(\s+광\s*고\s*\)|\(광\s+고\s*\)|\(광고\s+\)|\(\s*廣告\s*\)",
)
# A free opt-out in the forms lawful senders write it: "무료수신거부 080…", "[무료수신거부] 080…",
# "거부080…", "수신거부 콜백번호: 080…", "080…으로 수신거부", "080… 차단무료". 080 numbers are free to call.
_OPT_WORD = r"(?:무료\s?)?(?:문자\s?)?(?:수신\s?)?(?:거부|차단|해지)"
_NUMBER_080 = r"080[\s\-.)]?\d{3,4}[\s\-.]?\d{4}"
OPT_OUT = compile_pattern(
    "rules.opt_out",
    rf"{_OPT_WORD}\s?(?:무료\s?)?(?:콜백\s?번호\s?|번호\s?)?[\s:：|\[\]☎()]{{0,4}}{_NUMBER_080}|"
    rf"{_NUMBER_080}\s?(?:번\s?)?(?:으로|로)?\s?{_OPT_WORD}(?:\s?무료)?|"
    r"(?:reply|text|txt|send)\s+STOP|opt[\s-]?out|unsubscribe",
    ignore_case=True,
)
CONSENT_NOTICE = compile_pattern(
    "rules.consent_notice", r"광고성\s?정보|수신\s?동의|마케팅\s?(?:정보\s?)?(?:수신|제공)\s?동의"
)
_WEAK_FAMILY_REQUEST = compile_pattern(
    "rules.weak_family_request", r"답장|reply|text me|연락\s?줘", ignore_case=True
)
_AUTHORITY_SELF = compile_pattern(
    "rules.authority_self",
    r"(?:검찰청|지검|검찰|금융감독원|금감원|수사관)\s?(?:입니다|이에요|에서\s?(?:알려|안내|연락))",
)
_HANGUL_SYLLABLE = compile_pattern("rules.hangul_syllable", r"[가-힣]")
# Two Latin letters, then letters and digits with a digit among them, to the end of the run;
# `_code_tokens` keeps the ones shaped like a site code or handle.
_CODE_RUN = compile_pattern("rules.code_run", r"[A-Za-z]{2}[A-Za-z0-9]*[0-9][A-Za-z0-9]*")
# An access code handed out with a link or in an ad: "코드:4785", "code1221", "암호 0920", "입장:9327".
_ENTRY_CODE = compile_pattern(
    "rules.entry_code",
    r"(?:코\s?드|code|암\s?호|비번|입\s?장|참\s?여|가입|추천인?)\s?(?:번호|코드)?\s?[:：>=\-]?\s?[A-Za-z]{0,3}\d{3,6}",
    ignore_case=True,
)
_OTP_CONTEXT = compile_pattern(
    "rules.otp_context", r"인증|승인\s?번호|verification|\bOTP\b|유효\s?시간|본인\s?확인", ignore_case=True
)
# Money that grows: "300만원 → 4860만원", "5만원으로 45만원", and "월 2000 만들기" / "4천 버는". A price tag
# goes down ("999,000원 → 699,000원"); a profit claim goes up.
_AMOUNT_PAIR = compile_pattern(
    "rules.amount_pair",
    r"(?P<a>\d[\d,]*)\s?(?P<ua>억|천만|천|만)?\s?원?\s?(?:으로|로|→|->|=>|>|에서|➡|⇒)\s?"
    r"(?P<b>\d[\d,]*)\s?(?P<ub>억|천만|천|만)?",
)
_AMOUNT_MAKE = compile_pattern(
    "rules.amount_make",
    r"\d[\d,]*\s?(?:억|천만|천|만)\s?원?\s?(?:만들기|벌기|버는|벌어|벌었|수익|만들었)",
)
_OFFER = compile_pattern(
    "rules.offer",
    r"할인|특가|세일즈|세일|행사|사전\s?예약|예약\s?(?:받|접수)|주문\s?(?:받|하세요|주세요)|이벤트|혜택|증정|"
    r"상품\s?(?:소개|안내)|신상|출시|오픈|분양|잔여\s?세대|방문\s?(?:하|해)",
)
_PRICE = compile_pattern(
    "rules.price", r"\d[\d,]*\s?원|\d+\s?%\s?(?:할인|세일|off|dc)|\d+\s?만\s?원", ignore_case=True
)
_PAYMENT_OPTIONS = compile_pattern("rules.payment_options", r"(?:결제|사용)\s?가능|결제\s?수단")
_PROPERTY_SALE = frozenset({"분양", "잔여세대"})
# What a transaction, billing or delivery notice says; an offer that says it is not an unmarked ad.
_TRANSACTION = compile_pattern(
    "rules.transaction",
    r"승인|결제|입금|출금|잔액|이체|주문\s?(?:완료|접수|확인)|배송\s?(?:완료|출발|예정)|청구|납부|요금|고지|"
    r"인증|환불|취소|적립되|사용\s?금액|쿠폰\s?번호",
)
_UNIT = {"": 1, "만": 10_000, "천": 1_000 * 10_000, "천만": 10_000_000, "억": 100_000_000}


def _code_tokens(text: str, blanked: list[tuple[int, int]]) -> list[Span]:
    """Latin-and-digit tokens shaped like a site code or messenger handle ("fred05", "viy401", "cre16"):
    3–10 characters, two letters first and a digit somewhere, standing alone (not inside a link, a phone
    number, a model number such as "S22U" or a figure such as "SK600,000")."""
    found = []
    for match in _CODE_RUN.finditer(text):
        start, end = match.span()
        before = text[start - 1] if start else " "
        if before.isascii() and before.isalnum():
            continue  # the run starts earlier, with something other than two letters
        if not 3 <= end - start <= 10 or any(s < end and start < e for s, e in blanked):
            continue
        after = text[end : end + 2]
        if before in "@./_-:#" or (len(after) == 2 and after[0] in ",." and after[1].isdigit()):
            continue
        found.append(Span.of(text, start, end))
    return found


def _amount(number: str, unit: str) -> float:
    digits = number.replace(",", "")
    return float(digits) * _UNIT.get(unit or "", 1) if digits.isdigit() else 0.0


def _money_growth(text: str) -> list[Span]:
    spans: list[Span] = []
    if not any(unit in text for unit in "원만천억"):
        return spans
    for match in _AMOUNT_PAIR.finditer(text):
        a = _amount(match.group("a") or "", match.group("ua") or "")
        b = _amount(match.group("b") or "", match.group("ub") or "")
        money = any(unit in (match.group(0) or "") for unit in ("원", "만", "천", "억"))
        if money and a > 0 and b >= 2 * a and b >= 10_000:
            spans.append(Span.of(text, match.start(), match.end()))
    for match in _AMOUNT_MAKE.finditer(text):
        spans.append(Span.of(text, match.start(), match.end()))
    return spans


def _finding_group(match: Match) -> int | str:
    for name in ("hit1", "hit2"):
        if match.has_group(name) and match.group(name) is not None:
            return name
    return 0


@dataclass(frozen=True)
class RuleSpec:
    code: str
    argues_for: str  # the class this reason supports
    strength: float
    text_ko: str
    text_en: str


RULE_SPECS: dict[str, RuleSpec] = {
    spec.code: spec
    for spec in (
        RuleSpec(
            "url_shortener",
            "smishing",
            0.55,
            "단축 URL({domain})로 실제 목적지를 숨긴 링크가 있습니다.",
            "A link through a URL shortener ({domain}) hides its real destination.",
        ),
        RuleSpec(
            "url_lookalike",
            "smishing",
            0.9,
            "{org}의 공식 도메인({official})을 흉내 낸 주소({domain})입니다.",
            "The address {domain} imitates the official domain of {org_en} ({official}).",
        ),
        RuleSpec(
            "url_ip_host",
            "smishing",
            0.8,
            "도메인 대신 IP 주소({domain})로 된 링크입니다.",
            "The link points at a bare IP address ({domain}) instead of a domain.",
        ),
        RuleSpec(
            "url_punycode",
            "smishing",
            0.8,
            "다른 글자를 흉내 낼 수 있는 국제화(퓨니코드) 도메인({domain})입니다.",
            "The link uses an internationalised (punycode) domain ({domain}) that can imitate other letters.",
        ),
        RuleSpec(
            "url_apk",
            "smishing",
            0.95,
            "안드로이드 설치 파일(.apk)을 내려받게 하는 링크입니다.",
            "The link downloads an Android installer (.apk).",
        ),
        RuleSpec(
            "url_risky_tld",
            "smishing",
            0.4,
            "악용이 잦은 최상위 도메인(.{tld})의 링크입니다.",
            "The link uses a top-level domain often abused for scams (.{tld}).",
        ),
        RuleSpec(
            "url_unknown",
            "smishing",
            0.2,
            "출처를 알 수 없는 링크({domain})가 있습니다.",
            "The message contains a link of unknown origin ({domain}).",
        ),
        RuleSpec(
            "obituary_wedding_link",
            "smishing",
            0.85,
            "부고·청첩장 문구와 함께 링크를 누르게 합니다.",
            "Obituary or wedding words come with a link to open.",
        ),
        RuleSpec(
            "agency_unofficial_link",
            "smishing",
            0.9,
            "공공기관을 내세우지만 링크가 공식 도메인(go.kr, or.kr)이 아닙니다.",
            "It names a public agency but links outside official domains (go.kr, or.kr).",
        ),
        RuleSpec(
            "delivery_link",
            "smishing",
            0.75,
            "택배·배송 문구와 함께 공식이 아닌 링크를 누르게 합니다.",
            "Delivery words come with a link that is not the courier's official site.",
        ),
        RuleSpec(
            "benefit_link",
            "smishing",
            0.7,
            "지원금·환급금·쿠폰 안내와 함께 링크를 누르게 합니다.",
            "Benefit, refund or coupon words come with a link to open.",
        ),
        RuleSpec(
            "account_takeover_link",
            "smishing",
            0.75,
            "로그인·계정 보안 문구와 함께 링크를 누르게 합니다.",
            "Login or account-security words come with a link to open.",
        ),
        RuleSpec(
            "family_impersonation",
            "smishing",
            0.9,
            "가족·지인을 사칭해 답장, 카드·신분증 사진, 앱 설치나 송금을 요구합니다. 휴대폰 고장이 흔한 핑계입니다.",
            "Someone posing as family asks for a reply, photos of cards or ID, an app install or money; a broken phone is the usual pretext.",
        ),
        RuleSpec(
            "messenger_lure",
            "spam",
            0.7,
            "메신저 아이디나 오픈채팅({handle})으로 대화를 옮기게 합니다.",
            "It pushes you to a messenger ID or open chat ({handle}).",
        ),
        RuleSpec(
            "ad_marker_missing",
            "spam",
            0.5,
            "광고성 내용인데 맨 앞에 (광고) 표시가 없습니다.",
            "Advertising content without the (광고) marker at the start.",
        ),
        RuleSpec(
            "ad_marker_evasive",
            "spam",
            0.8,
            "법정 표시 (광고) 대신 변칙 표기({marker})를 썼습니다.",
            "An evasive ad marker ({marker}) instead of the legal (광고).",
        ),
        RuleSpec(
            "ad_marker_not_at_start",
            "spam",
            0.5,
            "(광고) 표시가 문자 맨 앞에 있지 않습니다.",
            "The (광고) marker is not at the start of the message.",
        ),
        RuleSpec(
            "ad_no_optout",
            "spam",
            0.6,
            "광고 문자 끝에 무료 수신거부(080) 안내가 없습니다.",
            "The ad does not end with a free opt-out (080 number).",
        ),
        RuleSpec(
            "ad_form_code_only",
            "spam",
            0.7,
            "광고 형식이지만 업체 이름·주소·대표번호 없이 접속 코드나 아이디({token})만 알려 줍니다.",
            "Ad form, but instead of a business name, address or phone it gives only a site code or ID ({token}).",
        ),
        RuleSpec(
            "entry_code_link",
            "spam",
            0.6,
            "링크나 광고와 함께 입장·가입 코드({token})를 알려 주는 도박·리딩방 유인 형식입니다.",
            "An entry or sign-up code ({token}) handed out with a link or ad, as gambling and stock-tip lures do.",
        ),
        RuleSpec(
            "money_growth_claim",
            "spam",
            0.7,
            "적은 돈이 큰돈이 된다는 수익 약속({claim})입니다.",
            "A promise that a small sum grows into a large one ({claim}).",
        ),
        RuleSpec(
            "banned_gambling",
            "spam",
            0.85,
            "법으로 광고가 금지된 도박 관련 내용입니다.",
            "Gambling content, which may not be advertised by law.",
        ),
        RuleSpec(
            "banned_illegal_loan",
            "spam",
            0.85,
            "법으로 광고가 금지된 불법 대출 관련 내용입니다.",
            "Illegal-loan content, which may not be advertised by law.",
        ),
        RuleSpec(
            "banned_drugs",
            "spam",
            0.85,
            "허가받지 않은 의약품 판매 관련 내용입니다.",
            "Sale of unlicensed drugs.",
        ),
        RuleSpec(
            "banned_stock_leading",
            "spam",
            0.85,
            "수익을 보장하는 주식·코인 리딩방 관련 내용입니다.",
            "A stock or coin 'leading room' promising returns.",
        ),
        RuleSpec(
            "intl_payment_callback",
            "smishing",
            0.9,
            "국제발신·해외결제 승인을 알리며 본인이 아니면 전화하라고 유도합니다.",
            "An international or unexpected payment approval that asks you to call back if it was not you.",
        ),
        RuleSpec(
            "prosecutor_callback",
            "smishing",
            0.85,
            "검찰·경찰·금융당국을 내세워 연락을 요구합니다.",
            "It invokes prosecutors, police or regulators and asks you to get in touch.",
        ),
        RuleSpec(
            "bank_loan_lure",
            "smishing",
            0.8,
            "금융기관 이름으로 대출·저금리를 내세워 링크나 메신저로 유도합니다.",
            "A bank's name with a loan offer that leads to a link or messenger.",
        ),
        RuleSpec(
            "app_install",
            "smishing",
            0.7,
            "링크를 통해 앱 설치를 요구합니다.",
            "It asks you to install an app through a link.",
        ),
        RuleSpec(
            "personal_data_request",
            "smishing",
            0.7,
            "주민번호·카드번호·인증번호 같은 개인정보를 보내라고 합니다.",
            "It asks you to send personal data such as ID, card or verification numbers.",
        ),
        RuleSpec(
            "callback_not_me",
            "smishing",
            0.7,
            "본인이 아니면 연락하라며 대표번호가 아닌 번호({phone})로 전화를 유도합니다.",
            "It asks you to call a number that is not a customer-service line ({phone}) if it was not you.",
        ),
        RuleSpec(
            "intl_sender",
            "smishing",
            0.3,
            "국제발신 또는 해외 번호로 온 문자입니다.",
            "Sent from abroad or naming a foreign number.",
        ),
        RuleSpec(
            "urgency_pressure",
            "smishing",
            0.3,
            "기한·불이익을 내세워 서두르게 합니다.",
            "It pressures you with a deadline or a penalty.",
        ),
        RuleSpec(
            "scam_warning_notice",
            "normal",
            0.5,
            "사기 수법을 알리고 주의를 당부하는 예방 안내문 형식입니다.",
            "It reads as an anti-fraud warning that describes scams and asks you to be careful.",
        ),
        RuleSpec(
            "ad_compliant",
            "ad",
            0.6,
            "(광고)로 시작하고 끝에 무료 수신거부 안내가 있는 적법한 광고 형식입니다.",
            "Starts with (광고) and ends with a free opt-out, as the law requires of ads.",
        ),
        *(
            RuleSpec(spec.code, spec.argues_for, spec.strength, spec.text_ko, spec.text_en)
            for spec in LURE_SPECS
        ),
        RuleSpec(
            "model_wording",
            "smishing",
            0.4,
            "학습된 {kind_ko}에 자주 나오는 표현입니다.",
            "Wording the model has learned from known {kind_en}.",
        ),
    )
}
RULE_CODES: tuple[str, ...] = tuple(RULE_SPECS)


@dataclass
class RuleHit:
    code: str
    evidence: tuple[Span, ...]
    params: dict[str, str] = field(default_factory=dict)

    def sentences(self) -> tuple[str, str]:
        spec = RULE_SPECS[self.code]
        return spec.text_ko.format_map(_Default(self.params)), spec.text_en.format_map(_Default(self.params))


class _Default(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "?"


@dataclass
class Analysis:
    """Everything the rules found in one message."""

    text: str
    indicators: tuple[Indicator, ...]
    urls: list[tuple[Indicator, UrlInfo]]
    hits: list[RuleHit]
    lexicon_hits: dict[str, list[Span]]
    dense: dict[str, float]


def _find(name: str, text: str) -> list[Span]:
    spans = []
    for match in LEXICONS[name].scan(text, _finding_group):
        start, end = match.span(_finding_group(match))
        if end > start:
            spans.append(Span.of(text, start, end))
    return spans


def _first(spans: Iterable[Span], limit: int = 2) -> tuple[Span, ...]:
    return tuple(sorted(spans, key=lambda s: s.start)[:limit])


DENSE_FEATURES: tuple[str, ...] = (
    *(f"rule_{code}" for code in RULE_CODES if code != "model_wording"),
    *(f"lex_{name}" for name in LEXICONS),
    "n_url",
    "n_phone",
    "n_messenger",
    "n_account",
    "n_official_url",
    "n_phone_070",
    "n_phone_intl",
    "n_phone_mobile",
    "n_phone_080",
    "n_phone_1588",
    "ad_marker_start",
    "opt_out_end",
    "has_hangul",
    "log_len",
    "digit_share",
    "upper_share",
    "n_exclaim",
    "n_lines",
    "hangul_share",
    "impersonation_lure",
    "risk_smishing",
    "risk_spam",
    "all_urls_official",
    "url_kr_registered",
    "url_generic_tld",
    "url_own_domain",
    "opt_out_any",
    "lawful_ad_form",
    "warning_form",
    "credential_ask",
    "n_code_token",
    "ad_body_hangul",
    "n_business_phone",
    *LURE_DENSE,
)
_GENERIC_TLDS = frozenset({"com", "net", "org", "co", "biz"})
_LATIN_WORD = compile_pattern("rules.latin_word", r"[A-Za-z]{2,}")
# Too weak on their own to count towards the summed risk features.
_WEAK_RULES = frozenset({"url_unknown", "intl_sender", "urgency_pressure", "url_risky_tld"})


def _brand_label(domain: str) -> str:
    return domain.split(".", 1)[0].lower()


def analyse(text: str) -> Analysis:
    """Run every rule on `text` (offsets in all spans refer to `text` exactly as given)."""
    indicators = extract_indicators(text)
    urls = [(ind, url_info(ind.value)) for ind in indicators if ind.kind == "url"]
    phones = [ind for ind in indicators if ind.kind == "phone"]
    messengers = [ind for ind in indicators if ind.kind == "messenger"]
    lex = {name: _find(name, text) for name in LEXICONS}
    hits: list[RuleHit] = []

    def hit(code: str, evidence: Iterable[Span], **params: str) -> None:
        spans = tuple(dict.fromkeys(span for span in evidence if span.is_slice_of(text)))
        if spans:
            hits.append(RuleHit(code, spans, params))

    # URL rules, per link.
    risky_urls: list[Indicator] = []
    for ind, info in urls:
        strong = False
        if info.is_shortener:
            hit("url_shortener", [ind.span], domain=info.registered_domain)
            strong = True
        official = lookalike_of(info.host)
        if official:
            org_ko, org_en = OFFICIAL_DOMAINS[official]
            hit(
                "url_lookalike",
                [ind.span],
                domain=info.registered_domain,
                official=official,
                org=org_ko,
                org_en=org_en,
            )
            strong = True
        if info.is_ip:
            hit("url_ip_host", [ind.span], domain=info.host)
            strong = True
        if info.is_idn:
            hit("url_punycode", [ind.span], domain=info.host)
            strong = True
        if info.is_apk:
            hit("url_apk", [ind.span])
            strong = True
        if info.risky_tld:
            hit("url_risky_tld", [ind.span], tld=info.tld)
            strong = True
        if not info.is_official and not (info.registered_domain in ("kakao.com",) and "/o/" in info.path):
            risky_urls.append(ind)
            if not strong:
                hit("url_unknown", [ind.span], domain=info.registered_domain)
    url_spans = [ind.span for ind in risky_urls]
    first_url = url_spans[:1]

    # The lawful ad form ((광고) first, free opt-out last; 정보통신망법 §50) and the anti-fraud warning
    # form are read first: in them, coupon, delivery, login or agency words next to a link are the
    # advertiser's or the warner's own content, not an impersonation lure. A lure that imitates a
    # notice does not announce itself as an ad, and the strong link signals (look-alike, IP, .apk)
    # fire whatever the form.
    marker_start = AD_MARKER_START.search(text)
    stripped = text.rstrip()
    opt_outs = [m for m in OPT_OUT.finditer(text)]
    opt_out_end = any(len(stripped) - m.end() <= 40 for m in opt_outs)
    lawful_ad_form = bool(marker_start and opt_out_end)
    warnings = lex["scam_warning"]
    warning_form = len({s.text for s in warnings}) >= 2
    context_links = bool(risky_urls) and not lawful_ad_form and not warning_form

    if context_links and (lex["obituary"] or lex["wedding"]):
        hit("obituary_wedding_link", [*_first(lex["obituary"] + lex["wedding"], 1), *first_url])
    if context_links and lex["agency"]:
        hit("agency_unofficial_link", [*_first(lex["agency"], 1), *first_url])
    if context_links and lex["delivery"]:
        hit("delivery_link", [*_first(lex["delivery"], 1), *first_url])
    if context_links and lex["benefit"]:
        hit("benefit_link", [*_first(lex["benefit"], 1), *first_url])
    if context_links and lex["account"]:
        hit("account_takeover_link", [*_first(lex["account"], 1), *first_url])
    if warning_form:
        hit("scam_warning_notice", _first(warnings, 2))

    strong_request = [s for s in lex["family_request"] if not _WEAK_FAMILY_REQUEST.fullmatch(s.text)]
    # A relative who asks you to send ID or card photos, or to install an app and send back what it
    # shows (a remote-control app's code), is the same lure without the broken-phone story.
    if lex["family"] and (
        lex["phone_trouble"]
        or (strong_request and (messengers or lex["personal_data"] or lex["app_install"]))
    ):
        hit(
            "family_impersonation",
            [
                *_first(lex["family"], 1),
                *_first(lex["phone_trouble"], 1),
                *_first(lex["personal_data"] + lex["app_install"], 1),
                *_first(lex["family_request"], 2),
            ],
        )

    if messengers:
        hit("messenger_lure", [m.span for m in messengers[:3]], handle=messengers[0].value)

    # Ad-marker compliance (정보통신망법 §50).
    marker_any = list(AD_MARKER_ANY.finditer(text))
    evasive = list(AD_MARKER_EVASIVE.finditer(text))
    has_hangul = bool(_HANGUL_SYLLABLE.search(text))
    for match in evasive:
        hit("ad_marker_evasive", [Span.of(text, match.start(), match.end())], marker=match.group(0) or "")
    if marker_any and not marker_start:
        hit("ad_marker_not_at_start", [Span.of(text, marker_any[0].start(), marker_any[0].end())])
    if (marker_any or evasive) and not opt_out_end:
        first_marker = (marker_any + evasive)[0]
        hit("ad_no_optout", [Span.of(text, first_marker.start(), first_marker.end())])
    ad_word_kinds = {s.text for s in lex["ad_words"]}
    # Unmarked ads ask you to call or message; a link alone is what service notices carry too.
    # Notices about ad consent (정보통신망법 §50 ⑧ asks senders to reconfirm it) talk about ads
    # without being one.
    consent_notice = bool(CONSENT_NOTICE.search(text))
    # An offer with a price and sale words ("사전예약 받습니다 … 29,800원", "50% 할인 … 9,900원부터") is an
    # ad whether or not it gives a number to call, unless it reads as a transaction or billing notice.
    unmarked = False
    offers: list[Span] = []
    if has_hangul and not marker_any and not evasive and not warning_form and not consent_notice:
        unmarked = len(ad_word_kinds) >= 2 and bool(phones or messengers)
        if not unmarked and "광고" not in text:
            offers = [Span.of(text, m.start(), m.end()) for m in _OFFER.finditer(text)]
            # 세일즈 (sales) is matched so that it is not read as 세일 (a sale), then set aside.
            offers = [s for s in offers if s.text != "세일즈"]
            offer_kinds = {s.text.replace(" ", "") for s in offers}
            # "제로페이 결제 가능" lists how to pay at a shop; it is not a transaction notice.
            transaction = _TRANSACTION.search(_PAYMENT_OPTIONS.sub(" ", text)) is not None
            priced = _PRICE.search(text) is not None
            unmarked = not transaction and (
                (len(offer_kinds) >= 2 and priced)
                # A shop's sale list: three or more kinds of sale words and a price, no phone needed.
                or (len(ad_word_kinds) >= 3 and priced)
                # Flats and offices for sale (분양, 잔여세대) with another offer word, priced or not.
                or (bool(offer_kinds & _PROPERTY_SALE) and len(offer_kinds | ad_word_kinds) >= 2)
            )
    if unmarked:
        hit("ad_marker_missing", _first(lex["ad_words"], 2) if lex["ad_words"] else _first(offers, 2))
    if marker_start and opt_out_end:
        opt = [m for m in opt_outs if len(stripped) - m.end() <= 40][-1]
        hit(
            "ad_compliant",
            [
                Span.of(text, marker_start.end() - 4, marker_start.end()),
                Span.of(text, opt.start(), opt.end()),
            ],
        )

    # A lawful advertiser names itself: a shop, an address, a phone line, a price. An "ad" whose body is
    # a few words and a bare site code or handle ("(광고)프레드 fred05 … 무료거부080…") is the form
    # gambling and stock-tip senders borrow; a business phone line or a price keeps it out of this rule.
    blanked = [
        (ind.span.start, ind.span.end) for ind in indicators if ind.kind in ("url", "phone", "account")
    ]
    codes = _code_tokens(text, blanked)
    body_end = len(text)
    if opt_outs:
        body_end = opt_outs[-1].start()
    body = text[marker_start.end() : body_end] if marker_start else ""
    body_hangul = sum(1 for c in body if "가" <= c <= "힣")
    business_phones = [p for p in phones if not p.normalized.startswith(("080", "060"))]
    if marker_start and codes and body_hangul < 40 and not business_phones and _PRICE.search(body) is None:
        hit("ad_form_code_only", codes[:1], token=codes[0].text)
    if risky_urls or marker_any or messengers:
        entry_codes = [Span.of(text, m.start(), m.end()) for m in _ENTRY_CODE.finditer(text)]
        if entry_codes and not _OTP_CONTEXT.search(text):
            hit("entry_code_link", [entry_codes[0], *first_url], token=entry_codes[0].text)
    growth = _money_growth(text)
    if growth:
        hit("money_growth_claim", growth[:1], claim=growth[0].text)

    for name, code in (
        ("gambling", "banned_gambling"),
        ("illegal_loan", "banned_illegal_loan"),
        ("drugs", "banned_drugs"),
        ("stock_leading", "banned_stock_leading"),
    ):
        if lex[name]:
            hit(code, _first(lex[name], 2))

    callback_phones = [p for p in phones if not p.normalized.startswith("080")]
    intl_phones = [p for p in phones if p.value.startswith(("+", "00")) and not p.normalized.startswith("0")]
    if (
        lex["approval"]
        and lex["amount"]
        and callback_phones
        and (
            lex["intl_marker"]
            or intl_phones
            or (lex["not_me"] and not all(p.normalized[:2] in ("15", "16", "18") for p in callback_phones))
        )
    ):
        hit(
            "intl_payment_callback",
            [
                *_first(lex["intl_marker"], 1),
                *_first(lex["approval"], 1),
                *_first(lex["amount"], 1),
                callback_phones[0].span,
            ],
        )
    # Prosecutors and the financial regulator do not text people to call them back; a message that
    # introduces itself as one of them and asks for a call is the opening of a voice-phishing script.
    self_named = bool(lex["prosecutor"]) and _AUTHORITY_SELF.search(text) is not None
    if (
        lex["prosecutor"]
        and not warning_form
        and (callback_phones or messengers or risky_urls or (self_named and lex["callback"]))
        and (lex["callback"] or lex["personal_data"] or len({s.text for s in lex["prosecutor"]}) >= 2)
    ):
        # With no number in it, the lure relies on being called back on the number it came from.
        callback_target = (
            [p.span for p in callback_phones[:1]]
            or [m.span for m in messengers[:1]]
            or url_spans[:1]
            or _first(lex["callback"], 1)
        )
        hit("prosecutor_callback", [*_first(lex["prosecutor"], 2), *callback_target])
    # A bank's name with a loan and a "government support / selected / debt consolidation" pitch but no
    # review number is the impersonation shape even in ad form; lawful lender ads carry their review
    # number (여신금융협회 심의필, 준법감시인 확인필).
    pitched = bool(marker_start) and len({s.text for s in lex["support_pitch"]}) >= 2 and not lex["ad_review"]
    if (
        lex["bank"]
        and lex["loan"]
        and (risky_urls or messengers or (callback_phones and not marker_start) or pitched)
    ):
        target = url_spans[:1] or [m.span for m in messengers[:1]] or [p.span for p in callback_phones[:1]]
        hit("bank_loan_lure", [*_first(lex["bank"], 1), *_first(lex["loan"], 1), *target])
    if lex["app_install"] and (context_links or any(info.is_apk for _, info in urls)):
        hit("app_install", [*_first(lex["app_install"], 1), *first_url])
    if lex["personal_data"] and lex["send_verb"] and not lex["otp"] and not warning_form:
        hit("personal_data_request", [*_first(lex["personal_data"], 1), *_first(lex["send_verb"], 1)])
    # Real service centres answer on 15xx/16xx/18xx lines; a "not you? call us" on 070, a mobile or a
    # foreign number is the classic call-back lure.
    direct_lines = [p for p in callback_phones if p.normalized[:2] not in ("15", "16", "18")]
    if lex["not_me"] and direct_lines and lex["callback"]:
        hit(
            "callback_not_me",
            [*_first(lex["not_me"], 1), direct_lines[0].span],
            phone=direct_lines[0].value,
        )
    if lex["intl_marker"] or intl_phones:
        hit("intl_sender", [*_first(lex["intl_marker"], 1), *[p.span for p in intl_phones[:1]]])
    if lex["urgency"] and (risky_urls or callback_phones):
        hit("urgency_pressure", _first(lex["urgency"], 1))

    # Lures read through obfuscation (`lures.py`).
    lure = lures(
        text,
        phones=[(p.span, p.normalized) for p in phones],
        messengers=[m.span for m in messengers],
        risky_links=url_spans,
        compliant_ad=bool(marker_start and opt_out_end),
    )
    for code, evidence, params in lure.hits:
        hit(code, evidence, **params)
    # A courier or an agency never scrambles its own link: delivery or agency words with a link
    # written in circled or fullwidth characters are the impersonation lure, not an ad.
    scrambled = [evidence for code, evidence, _ in lure.hits if code == "obfuscated_link"]
    if scrambled and not lawful_ad_form and not warning_form:
        fired_now = {h.code for h in hits}
        for name, code in (("delivery", "delivery_link"), ("agency", "agency_unofficial_link")):
            if lex[name] and code not in fired_now:
                hit(code, [*_first(lex[name], 1), *scrambled[0][:1]])

    # Link structure that transfers across senders: Korean-registered domains (.kr needs a Korean
    # registrant), plain generic TLDs, and a link to the sender's own name (a brand written in the
    # text, "hy" … "hy.co.kr", "KT" … "kt.com", is the advertiser's own site).
    plain = [info for _, info in urls if not info.is_shortener and not info.is_ip]
    outside = text
    for ind, _ in urls:
        outside = outside.replace(ind.value, " ")
    words = {(m.group(0) or "").lower() for m in _LATIN_WORD.finditer(outside)}
    own = sum(
        1
        for info in plain
        if len(_brand_label(info.registered_domain)) >= 2
        and any(
            w in _brand_label(info.registered_domain) or _brand_label(info.registered_domain) in w
            for w in words
        )
    )
    credential_ask = bool(
        (lex["personal_data"] or lex["account"]) and (risky_urls or lex["send_verb"]) and not lex["otp"]
    )
    letters = [c for c in text if c.isalpha()]
    latin = [c for c in letters if c.isascii()]
    fired = {h.code for h in hits}
    dense: dict[str, float] = {
        f"rule_{code}": float(code in fired) for code in RULE_CODES if code != "model_wording"
    }
    dense.update({f"lex_{name}": float(len(spans)) for name, spans in lex.items()})
    dense.update(
        n_url=len(urls),
        n_phone=len(phones),
        n_messenger=len(messengers),
        n_account=sum(1 for ind in indicators if ind.kind == "account"),
        n_official_url=sum(1 for _, info in urls if info.is_official),
        n_phone_070=sum(1 for p in phones if p.normalized.startswith("070")),
        n_phone_intl=len(intl_phones),
        n_phone_mobile=sum(1 for p in phones if p.normalized.startswith("01")),
        n_phone_080=sum(1 for p in phones if p.normalized.startswith("080")),
        n_phone_1588=sum(
            1 for p in phones if p.normalized[:2] in ("15", "16", "18") and len(p.normalized) == 8
        ),
        ad_marker_start=float(bool(marker_start)),
        opt_out_end=float(opt_out_end),
        has_hangul=float(has_hangul),
        log_len=math.log1p(len(text)),
        digit_share=sum(c.isdigit() for c in text) / max(len(text), 1),
        upper_share=sum(c.isupper() for c in latin) / max(len(latin), 1),
        n_exclaim=float(text.count("!")),
        n_lines=float(text.count("\n") + 1),
        hangul_share=sum(1 for c in letters if "가" <= c <= "힣") / max(len(letters), 1),
        risk_smishing=sum(
            RULE_SPECS[c].strength
            for c in fired
            if RULE_SPECS[c].argues_for == "smishing" and c not in _WEAK_RULES
        ),
        risk_spam=sum(RULE_SPECS[c].strength for c in fired if RULE_SPECS[c].argues_for == "spam"),
        all_urls_official=float(bool(urls) and all(info.is_official for _, info in urls)),
        url_kr_registered=float(sum(1 for info in plain if info.registered_domain.endswith(".kr"))),
        url_generic_tld=float(sum(1 for info in plain if info.tld in _GENERIC_TLDS)),
        url_own_domain=float(own),
        opt_out_any=float(len(opt_outs)),
        lawful_ad_form=float(lawful_ad_form),
        warning_form=float(warning_form),
        credential_ask=float(credential_ask and not warning_form),
        n_code_token=float(len(codes)),
        ad_body_hangul=math.log1p(body_hangul),
        n_business_phone=float(len(business_phones)),
        impersonation_lure=float(
            bool(lex["organisation"]) and bool(risky_urls or messengers or direct_lines)
        ),
    )
    dense.update(lure.dense)
    return Analysis(text, indicators, urls, hits, lex, dense)
