"""Indicators a message pushes (URLs, call-back numbers, messenger IDs, accounts), found offline.

Everything here works without network access: URLs are split into a registered domain with a small
built-in suffix table (enough for Korean and common foreign second-level domains), punycode is
decoded with `idna`, and look-alikes are measured against a list of official domains.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import idna

from smishing.engine.types import Indicator, Span
from untrusted.text import Match, compile_pattern, fold_digits
from untrusted.text import escape as re2_escape


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Korean and common foreign public suffixes with more than one label. Every single TLD also counts as
# a suffix, so "nhis-kr.top" → "nhis-kr.top" and "a.b.co.kr" → "b.co.kr".
MULTI_LABEL_SUFFIXES = _words(
    """
    co.kr or.kr go.kr ac.kr ne.kr re.kr pe.kr mil.kr hs.kr ms.kr es.kr sc.kr kg.kr seoul.kr busan.kr
    daegu.kr incheon.kr gwangju.kr daejeon.kr ulsan.kr gyeonggi.kr gangwon.kr chungbuk.kr
    chungnam.kr jeonbuk.kr jeonnam.kr gyeongbuk.kr gyeongnam.kr jeju.kr co.uk org.uk ac.uk gov.uk
    me.uk ltd.uk plc.uk net.uk com.cn net.cn org.cn gov.cn com.hk net.hk org.hk com.tw net.tw org.tw
    co.jp ne.jp or.jp ac.jp go.jp com.au net.au org.au gov.au co.nz org.nz com.br com.sg com.my
    com.vn com.ph co.in co.id co.th in.th com.mx com.ar co.za com.tr com.ua com.ru
    """
)

# TLDs accepted for links written without a scheme ("nhis-kr.top/abc"). With a scheme any TLD goes.
KNOWN_TLDS = _words(
    """
    help support services center email network digital host finance money cash credit loans tax
    express delivery parcel post news best top10 fit guru tips plus run social
    com net org kr info biz io me ly gl do la at gd cc top xyz icu click link shop site online store
    vip club live fun buzz cyou sbs cfd bond lol pw ws tk ml ga cf gq work monster rest app dev so
    im us uk jp cn hk tw ru in id vn ph th my sg au ca de fr ai tv co mobi asia win bid loan kim one
    life world today space website tech pro cloud page zip mov lc gy gg to is ms be eu nz su ee cx
    es it nl ch se pl mx br ar za tr ua xn--3e0b707e
    """
)

SHORTENERS = _words(
    """
    bit.ly bitly.com han.gl me2.do vo.la url.kr t.ly tinyurl.com goo.gl is.gd v.gd ow.ly buff.ly
    cutt.ly rebrand.ly shorturl.at t.co tiny.cc naver.me zrr.kr c11.kr lrl.kr buly.kr abit.ly rb.gy
    s.id bl.ink lnkd.in qrco.de gg.gg ko.gl 2u.lc muz.so shrtco.de short.io tny.im hoy.kr asq.kr
    dokdo.in link24.kr url.kr tr.ee
    """
)

RISKY_TLDS = _words(
    """
    help support services center network digital host money cash credit loans express delivery
    parcel guru tips
    top xyz icu click link cyou buzz shop vip cc tk ml ga cf gq work live fun monster rest sbs cfd
    bond lol pw ws online site club loan win bid kim one today space website zip mov lc su
    """
)

# Official registered domains a lure may imitate, with the organisation's Korean and English name.
OFFICIAL_DOMAINS: dict[str, tuple[str, str]] = {
    "nhis.or.kr": ("국민건강보험공단", "National Health Insurance Service"),
    "police.go.kr": ("경찰청", "Korean National Police Agency"),
    "spo.go.kr": ("대검찰청", "Supreme Prosecutors' Office"),
    "scourt.go.kr": ("법원", "Supreme Court"),
    "gov.kr": ("정부24", "Government24"),
    "hometax.go.kr": ("국세청 홈택스", "National Tax Service"),
    "nts.go.kr": ("국세청", "National Tax Service"),
    "efine.go.kr": ("경찰청 교통민원24", "e-Fine"),
    "epost.go.kr": ("우체국", "Korea Post"),
    "koroad.or.kr": ("도로교통공단", "Road Traffic Authority"),
    "hira.or.kr": ("건강보험심사평가원", "HIRA"),
    "fss.or.kr": ("금융감독원", "Financial Supervisory Service"),
    "kisa.or.kr": ("한국인터넷진흥원", "KISA"),
    "customs.go.kr": ("관세청", "Korea Customs Service"),
    "kakaobank.com": ("카카오뱅크", "KakaoBank"),
    "kakao.com": ("카카오", "Kakao"),
    "kakaopay.com": ("카카오페이", "KakaoPay"),
    "naver.com": ("네이버", "Naver"),
    "toss.im": ("토스", "Toss"),
    "tossbank.com": ("토스뱅크", "Toss Bank"),
    "kbstar.com": ("KB국민은행", "KB Kookmin Bank"),
    "kbcard.com": ("KB국민카드", "KB Card"),
    "shinhan.com": ("신한은행", "Shinhan Bank"),
    "shinhancard.com": ("신한카드", "Shinhan Card"),
    "wooribank.com": ("우리은행", "Woori Bank"),
    "hanabank.com": ("하나은행", "Hana Bank"),
    "nonghyup.com": ("NH농협", "NongHyup"),
    "ibk.co.kr": ("IBK기업은행", "IBK"),
    "kbanknow.com": ("케이뱅크", "K bank"),
    "samsungcard.com": ("삼성카드", "Samsung Card"),
    "hyundaicard.com": ("현대카드", "Hyundai Card"),
    "lottecard.co.kr": ("롯데카드", "Lotte Card"),
    "cjlogistics.com": ("CJ대한통운", "CJ Logistics"),
    "hanjin.com": ("한진택배", "Hanjin"),
    "lotteglogis.com": ("롯데택배", "Lotte Global Logistics"),
    "ilogen.com": ("로젠택배", "Logen"),
    "coupang.com": ("쿠팡", "Coupang"),
    "apple.com": ("애플", "Apple"),
    "google.com": ("구글", "Google"),
    "microsoft.com": ("마이크로소프트", "Microsoft"),
    "paypal.com": ("페이팔", "PayPal"),
    "amazon.com": ("아마존", "Amazon"),
    "netflix.com": ("넷플릭스", "Netflix"),
    "dhl.com": ("DHL", "DHL"),
    "fedex.com": ("페덱스", "FedEx"),
    "ups.com": ("UPS", "UPS"),
    "usps.com": ("미국 우정청", "USPS"),
}
OFFICIAL_SUFFIXES = (".go.kr", ".or.kr", ".gov.kr", ".mil.kr")
# Only government registrants can hold these; ".or.kr" is open to any non-profit, so it is still
# compared against the official names.
TRUSTED_SUFFIXES = (".go.kr", ".gov.kr", ".mil.kr")

# Confusable characters folded before comparing a host with an official name.
_CONFUSABLES = str.maketrans(
    {
        "0": "o",
        "1": "l",
        "3": "e",
        "5": "s",
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ӏ": "l",
        "ԁ": "d",
        "ѕ": "s",
        "ο": "o",
        "ν": "v",
        "ı": "i",
        "ɡ": "g",
    }
)

_DOT = r"(?:\.|\[\.\]|\(\.\))"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
# A path is ASCII: symbols glued to a link in reported messages (■, ※, ▶, ○) end it.
_PATH = r"(?:[/?#][!#-&(-;=?-~]*)?"
# Host characters: ASCII letters, digits and hyphens, or Hangul and other letters of an IDN host.
_HOST_CHAR = r"[A-Za-z0-9\-_\u3131-\u318e\uac00-\ud7a3\x{00C0}-\x{024F}\x{0370}-\x{04FF}]"
_IPV4 = rf"(?:\d{{1,3}}{_DOT}){{3}}\d{{1,3}}"
# Look-behind and look-ahead are written as consumed context outside the named group `url`; the
# scanner resumes at the group's end (see untrusted.text).
_URL_WITH_SCHEME = compile_pattern(
    "indicators.url_with_scheme",
    rf"(?:h(?:tt|xx)ps?|ftp)://(?P<host>{_HOST_CHAR}+(?:{_DOT}{_HOST_CHAR}+)*)(?::\d{{2,5}})?{_PATH}",
    ignore_case=True,
)
_URL_BARE = compile_pattern(
    "indicators.url_bare",
    rf"(?:^|[^A-Za-z0-9@.\-/_:]|[^\x00-\x7f][.:]|[가-힣]\s?:)(?P<url>(?P<host>(?:{_LABEL}{_DOT})+(?:xn--[a-z0-9\-]+|[a-z]{{2,24}}))(?::\d{{2,5}})?{_PATH})",
    ignore_case=True,
)
# Gambling senders write hosts in Hangul on a Latin or Hangul TLD ("칠월대박.com", "리뉴얼.컴",
# "에볼루.웹.한국"); a bare Hangul host before such an ending is a link too (an IDN).
_HANGUL_HOST = compile_pattern(
    "indicators.hangul_host",
    r"(?:^|[^가-힣A-Za-z0-9.])(?P<url>(?P<host>[가-힣]{1,12}(?:\.[가-힣]{1,6})?\.(?:com|net|kr|컴|한국|닷컴)))(?:[^A-Za-z가-힣]|$)",
    ignore_case=True,
)
_IP_BARE = compile_pattern(
    "indicators.ip_bare",
    rf"(?:^|[^\d.])(?P<url>(?P<host>{_IPV4})(?::\d{{2,5}})?{_PATH})(?:[^\d.]|$)",
)
_HANGUL = compile_pattern("indicators.hangul", r"[\u3131-\u318e\uac00-\ud7a3]")
_LATIN = compile_pattern("indicators.latin", r"[A-Za-z]")
_DIGITS_AND_DOTS = compile_pattern("indicators.digits_and_dots", r"[\d.]+")
_IPV4_HOST = compile_pattern("indicators.ipv4_host", r"\d{1,3}(?:\.\d{1,3}){3}")
_HOST_AND_PATH = compile_pattern("indicators.host_and_path", r"([^/?#]*)((?s:.*))")
_DEFANGED_SCHEME = compile_pattern("indicators.defanged_scheme", r"^h[x]{2}p", ignore_case=True)
_NON_DIGIT = compile_pattern("indicators.non_digit", r"\D+")
_HOST_SEPARATORS = compile_pattern("indicators.host_separators", r"[.\-_]")
_TRAILING = ".,;:!?…'\"}>"

_PHONE_SHAPES = "|".join(
    (
        r"\+\d{1,3}[\s\-.]?\(?\d{1,4}\)?(?:[\s\-.]?\d{2,4}){2,3}",
        r"00[1-9]\d{0,2}[\s\-]\d{1,4}(?:[\s\-]?\d{2,4}){2,3}",
        r"01[016789][\s\-.]?\d{3,4}[\s\-.]?\d{4}",
        r"\(?0(?:2|[3-6][1-5])\)?[\s\-.)]?\d{3,4}[\s\-.]?\d{4}",
        r"0[5-8]0\d?[\s\-.]?\d{3,4}[\s\-.]?\d{4}",
        r"1[5-9]\d{2}[\s\-.]\d{4}",
        r"0\d{9,10}",
    )
)
_PHONE = compile_pattern("indicators.phone", rf"(?:^|[^\d*+])(?P<phone>{_PHONE_SHAPES})(?:[^\d*]|$)")

BANK_NAMES = (
    "KB국민",
    "국민",
    "신한",
    "우리",
    "KEB하나",
    "하나",
    "NH농협",
    "농협",
    "IBK기업",
    "기업",
    "카카오뱅크",
    "카뱅",
    "케이뱅크",
    "토스뱅크",
    "새마을금고",
    "새마을",
    "우체국",
    "신협",
    "수협",
    "SC제일",
    "제일",
    "씨티",
    "대구",
    "iM뱅크",
    "부산",
    "경남",
    "광주",
    "전북",
    "제주",
    "KDB산업",
    "산업",
    "저축",
)
_BANK = "|".join(sorted((re2_escape(b) for b in BANK_NAMES), key=len, reverse=True))
# The number must not run on into more digits (or a dash, for grouped numbers): the context character
# after it is consumed outside the group. One optional run of spaces between the parts keeps the
# pattern linear under any engine; RE2 makes it linear whatever the shape.
_GROUPED = r"\d{2,6}(?:[\-\s]\d{2,8}){1,4}"
_ACCOUNT = compile_pattern(
    "indicators.account",
    rf"(?:(?:입금|송금|이체|환불)\s*)?(?:계좌(?:번호)?\s*[:：]?\s*)?(?P<bank>{_BANK})(?:은행|뱅크)?\s*"
    rf"(?:계좌(?:번호)?)?\s*[:：]?\s*(?:(?P<num>{_GROUPED})(?:[^\d\-]|$)|(?P<num_run>\d{{10,16}})(?:\D|$))"
    rf"|(?:입금|송금|이체)?\s*계좌(?:번호)?\s*[:：]?\s*(?:(?P<num2>{_GROUPED})(?:[^\d\-]|$)|(?P<num2_run>\d{{10,16}})(?:\D|$))",
)
_ACCOUNT_GROUPS = ("num", "num_run", "num2", "num2_run")
_ACCOUNT_CONTEXT = compile_pattern(
    "indicators.account_context", r"계좌|입금|송금|이체|예금주|account", ignore_case=True
)

_HANDLE = r"@?(?P<h>[A-Za-z0-9][A-Za-z0-9_.\-]{2,31})"
_MESSENGER_PATTERNS = (
    (
        "kakao",
        compile_pattern(
            "indicators.messenger_kakao",
            rf"(?:카카오톡|카톡|카카오|kakao\s?talk|katalk|kakao)\s*(?:아이디|ID|id|친구추가|추가)?\s*[:：]?\s*{_HANDLE}",
            ignore_case=True,
        ),
    ),
    (
        "telegram",
        compile_pattern(
            "indicators.messenger_telegram",
            rf"(?:텔레그램|텔레|텔렘|telegram|tg)\s*(?:아이디|ID|id)?\s*[:：]?\s*{_HANDLE}",
            ignore_case=True,
        ),
    ),
    (
        "line",
        compile_pattern(
            "indicators.messenger_line",
            rf"(?:라인|line)\s*(?:아이디|ID|id)\s*[:：]?\s*{_HANDLE}",
            ignore_case=True,
        ),
    ),
    (
        "whatsapp",
        compile_pattern(
            "indicators.messenger_whatsapp",
            rf"(?:whatsapp|왓츠앱)\s*(?:ID|id)?\s*[:：]?\s*{_HANDLE}",
            ignore_case=True,
        ),
    ),
)
_OPEN_CHAT = compile_pattern(
    "indicators.open_chat", r"open\.kakao\.com/o/(?P<h>[A-Za-z0-9_]{4,24})", ignore_case=True
)
_TME = compile_pattern("indicators.tme", r"(?:^|[^\w.])t\.me/(?P<h>[A-Za-z0-9_]{4,32})", ignore_case=True)
_AT_HANDLE = compile_pattern("indicators.at_handle", r"(?:^|[^\w.@])@(?P<h>[A-Za-z][A-Za-z0-9_]{3,31})")
_TELEGRAM_WORD = compile_pattern(
    "indicators.telegram_word", r"텔레|telegram|텔렘|\btg\b|DM", ignore_case=True
)
_NOT_HANDLES = frozenset(
    {"id", "pw", "talk", "com", "http", "https", "www", "open", "chat", "channel", "code", "login", "link"}
)


@dataclass(frozen=True)
class UrlInfo:
    """What the rules need to know about one URL, all computed offline."""

    host: str  # lower-case, defanged, punycode decoded
    registered_domain: str
    tld: str
    is_ip: bool
    is_idn: bool  # punycode or non-ASCII host
    path: str
    has_scheme: bool

    @property
    def is_shortener(self) -> bool:
        return self.registered_domain in SHORTENERS

    @property
    def is_official(self) -> bool:
        return self.registered_domain in OFFICIAL_DOMAINS or ("." + self.registered_domain).endswith(
            OFFICIAL_SUFFIXES
        )

    @property
    def is_apk(self) -> bool:
        return self.path.lower().split("?", 1)[0].endswith(".apk")

    @property
    def risky_tld(self) -> bool:
        return not self.is_ip and self.tld in RISKY_TLDS


def _defang(value: str) -> str:
    value = value.replace("[.]", ".").replace("(.)", ".")
    return _DEFANGED_SCHEME.sub("http", value)


def _decode_host(host: str) -> tuple[str, bool]:
    host = host.lower().rstrip(".")
    idn = any(label.startswith("xn--") for label in host.split(".")) or not host.isascii()
    if any(label.startswith("xn--") for label in host.split(".")):
        labels = []
        for label in host.split("."):
            try:
                labels.append(idna.decode(label) if label.startswith("xn--") else label)
            except (idna.IDNAError, UnicodeError, ValueError):
                labels.append(label)
        host = ".".join(labels)
    return host, idn


def registered_domain(host: str) -> str:
    """`a.b.nhis-kr.top` → `nhis-kr.top`, `www.nhis.or.kr` → `nhis.or.kr`; IP hosts are kept whole."""
    host = host.lower().rstrip(".")
    if _IPV4_HOST.fullmatch(host):
        return host
    labels = host.split(".")
    if len(labels) >= 3 and ".".join(labels[-2:]) in MULTI_LABEL_SUFFIXES:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


@lru_cache(maxsize=4096)
def url_info(value: str) -> UrlInfo:
    raw = _defang(value)
    has_scheme = "://" in raw
    rest = raw.split("://", 1)[1] if has_scheme else raw
    split = _HOST_AND_PATH.match(rest)
    assert split is not None
    host_port, path = split.group(1) or "", split.group(2) or ""
    host = host_port.split("@")[-1].split(":")[0]
    host, idn = _decode_host(host)
    is_ip = bool(_IPV4_HOST.fullmatch(host))
    domain = registered_domain(host)
    tld = "" if is_ip else host.rsplit(".", 1)[-1]
    return UrlInfo(host, domain, tld, is_ip, idn, path, has_scheme)


def _trim_url(text: str, start: int, end: int) -> int:
    value = text[start:end]
    while value and value[-1] in _TRAILING + ")]":
        if value[-1] == ")" and value.count("(") > value.count(")") - 1:
            break
        if value[-1] == "]" and value.count("[") > value.count("]") - 1:
            break
        value = value[:-1]
    return start + len(value)


def _find_urls(text: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []

    def overlaps(s: int, e: int) -> bool:
        return any(s < fe and fs < e for fs, fe in found)

    for match in _URL_WITH_SCHEME.finditer(text):
        start, end = match.start(), match.end()
        host_start, host_end = match.span("host")
        host = text[host_start:host_end]
        # "https://bit.ly에서" — Hangul glued to an ASCII TLD ends the host.
        last_dot = max(host.rfind("."), 0)
        hangul = _HANGUL.search(host, last_dot)
        if hangul and _LATIN.search(host[last_dot : hangul.start()]):
            end = host_start + hangul.start()
        end = _trim_url(text, start, end)
        if end - start > 8:
            found.append((start, end))
    for pattern in (_IP_BARE, _URL_BARE):
        for match in pattern.scan(text, "url"):
            start, end = match.span("url")
            end = _trim_url(text, start, end)
            host = _defang(match.group("host") or "").lower()
            if pattern is _IP_BARE:
                if not all(0 <= int(octet) <= 255 for octet in host.split(".")):
                    continue
            else:
                tld = host.rsplit(".", 1)[-1]
                if tld not in KNOWN_TLDS and not tld.startswith("xn--"):
                    continue
                if _DIGITS_AND_DOTS.fullmatch(host):
                    continue
            if not overlaps(start, end):
                found.append((start, end))
    for match in _HANGUL_HOST.scan(text, "url"):
        start, end = match.span("url")
        if not overlaps(start, end):
            found.append((start, end))
    return sorted(found)


def _digits(value: str) -> str:
    return _NON_DIGIT.sub("", value)


def normalize_phone(value: str) -> str:
    digits = _digits(value)
    if value.strip().startswith("+82") and digits.startswith("82"):
        digits = "0" + digits[2:].lstrip("0")
    return digits


def _account_group(match: Match) -> str:
    return next(name for name in _ACCOUNT_GROUPS if match.group(name) is not None)


def _find_accounts(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _ACCOUNT.scan(text, _account_group):
        group = _account_group(match)
        start, end = match.span(group)
        number = (match.group(group) or "").rstrip(" -")
        end = start + len(number)
        digits = _digits(number)
        if not 10 <= len(digits) <= 16:
            continue
        looks_like_phone = _PHONE.fullmatch(number) is not None and (
            digits.startswith(("01", "02", "15", "16", "18", "070", "080")) or len(digits) <= 11
        )
        context = text[max(0, match.start() - 12) : end + 12]
        if looks_like_phone and not _ACCOUNT_CONTEXT.search(context):
            continue
        spans.append((start, end))
    return spans


def account_spans(text: str) -> list[tuple[int, int]]:
    """Spans of beneficiary account numbers (a bank name or 계좌 right before the digits)."""
    return _find_accounts(fold_digits(text))


def extract_indicators(text: str) -> tuple[Indicator, ...]:
    """URLs, phone numbers, messenger IDs and bank accounts in `text`, ordered by position.

    `normalized`: URL → registered domain in lower case (punycode decoded), phone → digits only
    (+82 folded to the domestic 0), messenger → lower-case handle, account → digits only.
    """
    original = text
    # Fullwidth and other decimal digits are matched as ASCII; values and spans come from the original.
    text = fold_digits(text)
    indicators: list[Indicator] = []
    url_spans = _find_urls(text)
    for start, end in url_spans:
        indicators.append(
            Indicator(
                "url",
                original[start:end],
                url_info(text[start:end]).registered_domain,
                Span.of(original, start, end),
            )
        )

    accounts = _find_accounts(text)
    for start, end in accounts:
        indicators.append(
            Indicator("account", original[start:end], _digits(text[start:end]), Span.of(original, start, end))
        )

    taken = url_spans + accounts
    for match in _PHONE.scan(text, "phone"):
        start, end = match.span("phone")
        if any(start < te and ts < end for ts, te in taken):
            continue
        value = text[start:end].strip()
        end = start + len(value)
        normalized = normalize_phone(value)
        if len(normalized) < 8:
            continue
        indicators.append(Indicator("phone", original[start:end], normalized, Span.of(original, start, end)))

    handles: set[tuple[int, int]] = set()

    def add_handle(start: int, end: int) -> None:
        value = text[start:end]
        if (start, end) in handles or value.lower() in _NOT_HANDLES or not _LATIN.search(value):
            return
        if any(start < ue and us < end for us, ue in url_spans) and not value:
            return
        handles.add((start, end))
        indicators.append(
            Indicator("messenger", original[start:end], value.lower(), Span.of(original, start, end))
        )

    for match in _OPEN_CHAT.finditer(text):
        add_handle(*match.span("h"))
    for match in _TME.finditer(text):
        add_handle(*match.span("h"))
    for _name, pattern in _MESSENGER_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span("h")
            value = text[start:end].rstrip(".-")
            end = start + len(value)
            # "카카오뱅크.com" or a URL right after the word is a link, not a handle.
            if any(start < ue and us < end for us, ue in url_spans):
                continue
            add_handle(start, end)
    if _TELEGRAM_WORD.search(text):
        for match in _AT_HANDLE.finditer(text):
            handle_start, handle_end = match.span("h")
            # The "@" and the context character before it are part of the match, not of the handle.
            if not any(handle_start - 1 < ue and us < handle_end for us, ue in url_spans):
                add_handle(handle_start, handle_end)
    return tuple(sorted(indicators, key=lambda ind: (ind.span.start, ind.kind)))


def _damerau(a: str, b: str) -> int:
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]


def _brand(domain: str) -> str:
    return domain.split(".", 1)[0]


@lru_cache(maxsize=4096)
def lookalike_of(host: str) -> str | None:
    """The official domain `host` imitates, or None (the official domain itself is not a look-alike).

    Catches the brand inside a foreign domain (`nhis-kr.top`, `kakaobank.secure-login.com`), small
    edits (`kakaobamk.com`, `cjlogistlcs.com`) and confusable letters (`nhls.or.kr` with `l` for `i`,
    Cyrillic `а` for Latin `a`).
    """
    host = host.lower()
    domain = registered_domain(host)
    if domain in OFFICIAL_DOMAINS or ("." + domain).endswith(TRUSTED_SUFFIXES):
        return None
    folded_host = host.translate(_CONFUSABLES).replace("rn", "m").replace("vv", "w")
    folded_domain = registered_domain(folded_host)
    candidate_brand = _brand(folded_domain)
    # The brand's own name, letter for letter, on another ordinary suffix is the brand's own domain
    # (naver.me, amazon.co.uk, kakaobank.io): brands register their name widely, while a look-alike
    # adds to it, edits it or swaps letters. On a TLD scammers favour it still counts as a look-alike.
    own_brands = {_brand(official) for official in OFFICIAL_DOMAINS}
    if folded_host == host and _brand(domain) in own_brands and domain.rsplit(".", 1)[-1] not in RISKY_TLDS:
        return None
    for official in OFFICIAL_DOMAINS:
        brand = _brand(official)
        if len(brand) < 4:
            continue
        if folded_domain == official:
            return official
        if brand in _HOST_SEPARATORS.split(folded_host) or (len(brand) >= 6 and brand in folded_host):
            return official
        limit = 1 if len(brand) < 8 else 2
        if (
            candidate_brand != brand
            and abs(len(candidate_brand) - len(brand)) <= limit
            and _damerau(candidate_brand, brand) <= limit
        ):
            return official
    return None
