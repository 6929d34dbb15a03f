# ruff: noqa: E501  (Korean lexicon lines: Hangul counts double towards the limit)
"""Obfuscation folding and the lure lexicons that read through it.

Illegal-spam senders break up the words a filter looks for: symbols or letters inside a word (토_토,
단l타, 분.석.완.료), letters spaced out (카 지 노), jamo and Latin look-alikes spelling a syllable
(ㅋr톡, 놀ㅇ1터), fullwidth and circled characters (ⓑⓒⓡ-000.com), emoji. `fold` undoes these into a
plain form and keeps, for every character of it, the offset of the character it came from, so a word
found in the folded form is reported as the exact slice of the message it was hidden in (a grounded
reason). The lexicons here are matched on the folded form; they are literal alternations with no nested
repetition, so they run in linear time on any input.

Pure: no Django, no I/O.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from smishing.engine.types import Span
from untrusted.text import MAX_TEXT_CHARS, Match, SafePattern, compile_pattern, fold_digits

_CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_JUNGSEONG = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
# Latin letters and digits that stand in for a vowel after a consonant jamo (ㅋr톡 → 카톡, ㅇ1 → 이).
_VOWEL_LOOKALIKES = {"r": "ㅏ", "l": "ㅣ", "1": "ㅣ", "i": "ㅣ", "|": "ㅣ", "h": "ㅐ", "y": "ㅛ", "t": "ㅏ"}
# Cyrillic and Greek letters that look like Latin ones.
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ο": "o",
        "α": "a",
        "ν": "v",
    }
)
# Separators that formal Korean text puts between words of a compound; not counted as obfuscation
# when they join two words of two or more syllables.
_FORMAL_SEPARATORS = frozenset("·ㆍ,/&")


def _is_syllable(char: str) -> bool:
    return "가" <= char <= "힣"


def _is_enclosed(char: str) -> bool:
    code = ord(char)
    return 0x2460 <= code <= 0x24FF or 0x1F100 <= code <= 0x1F1FF or 0x3251 <= code <= 0x32BF


def _is_fullwidth(char: str) -> bool:
    return 0xFF01 <= ord(char) <= 0xFF5E


@dataclass
class Folded:
    """The folded text, the original offset of each of its characters, and what folding undid."""

    text: str
    origin: list[int]
    inner_fillers: list[Span]  # slices of the original where fillers sat inside a word
    spaced_runs: list[Span]  # letters spaced out one by one
    composed: list[Span]  # jamo + look-alike spelling a syllable
    enclosed: int  # circled or fullwidth characters

    def span(self, message: str, start: int, end: int) -> Span:
        """The slice of `message` that folded[start:end] came from."""
        first = self.origin[start]
        last = self.origin[end - 1] + 1
        return Span.of(message, first, last)


def _compose(initial: str, vowel: str) -> str:
    return chr(0xAC00 + (_CHOSEONG.index(initial) * 21 + _JUNGSEONG.index(vowel)) * 28)


def fold(message: str) -> Folded:
    """Undo common obfuscation; see the module docstring. Linear in the message length."""
    chars: list[str] = []
    origin: list[int] = []
    enclosed = 0
    for index, char in enumerate(message):
        if _is_enclosed(char) or _is_fullwidth(char):
            enclosed += 1
        # NFKC would turn compatibility jamo (ㅋ) into conjoining jamo; keep them as they are.
        normal = char if "\u3131" <= char <= "\u318e" else unicodedata.normalize("NFKC", char)
        for piece in normal.lower().translate(_HOMOGLYPHS):
            chars.append(piece)
            origin.append(index)

    # Jamo + vowel (or a look-alike of one) → one syllable.
    composed: list[Span] = []
    merged: list[str] = []
    merged_origin: list[int] = []
    i = 0
    while i < len(chars):
        char = chars[i]
        nxt = chars[i + 1] if i + 1 < len(chars) else ""
        vowel = nxt if nxt in _JUNGSEONG else _VOWEL_LOOKALIKES.get(nxt, "")
        if (
            char in _CHOSEONG
            and vowel
            and (i + 2 >= len(chars) or not chars[i + 2].isascii() or nxt in _JUNGSEONG)
        ):
            merged.append(_compose(char, vowel))
            merged_origin.append(origin[i])
            composed.append(Span.of(message, origin[i], origin[i + 1] + 1))
            i += 2
            continue
        merged.append(char)
        merged_origin.append(origin[i])
        i += 1

    # Fillers (one or two non-letters, stray Latin letters or jamo) between two syllables go, and so
    # do single spaces between letters spaced out one by one.
    out: list[str] = []
    out_origin: list[int] = []
    fillers: list[Span] = []
    spaced: list[Span] = []
    n = len(merged)
    i = 0
    while i < n:
        char = merged[i]
        if out and _is_syllable(out[-1]) and not _is_syllable(char):
            j = i
            while j < n and j - i < 3 and not _is_syllable(merged[j]) and not merged[j].isspace():
                j += 1
            run = merged[i:j]
            if (
                0 < len(run) <= 2
                and j < n
                and _is_syllable(merged[j])
                and not all(c.isdigit() for c in run)
                and not any(c in "()" for c in run)
            ):
                single_before = i < 2 or not _is_syllable(merged[i - 2])
                single_after = j + 1 >= n or not _is_syllable(merged[j + 1])
                # Between two words of two or more syllables, punctuation, formal separators and
                # brand letters ("롯데ON에서") are ordinary; next to a lone syllable they break a word.
                ordinary = all(c in _FORMAL_SEPARATORS or c in ".,:;!?~()[]'\"" or c.isalnum() for c in run)
                if single_before or single_after or not ordinary:
                    # Counted as obfuscation only inside a word: between two lone syllables, or a
                    # stray letter, digit, jamo or "?" next to one. Decorative symbols between whole
                    # words (♥, ★) are dropped for matching but are ordinary in lawful ads.
                    inside = (
                        (single_before and single_after)
                        or (
                            (single_before or single_after)
                            and all(c.isalnum() or c in "?'^_∨" or "\u3131" <= c <= "\u318e" for c in run)
                        )
                        # A doubled mark beside a lone syllable ("전..화,,방") is no punctuation.
                        or ((single_before or single_after) and len(run) == 2 and not run[0].isalnum())
                    )
                    if inside:
                        fillers.append(Span.of(message, out_origin[-1], merged_origin[j] + 1))
                    i = j
                    continue
            if char == " " and i + 1 < n and _is_syllable(merged[i + 1]):
                single_before = i < 2 or not _is_syllable(merged[i - 2])
                single_after = i + 2 >= n or not _is_syllable(merged[i + 2])
                if single_before and single_after:
                    spaced.append(Span.of(message, out_origin[-1], merged_origin[i + 1] + 1))
                    i += 1
                    continue
        out.append(char)
        out_origin.append(merged_origin[i])
        i += 1
    # A lone "나 폰" is ordinary speech; three or more letters spaced one by one ("카 지 노") are not.
    chained = [
        span
        for k, span in enumerate(spaced)
        if (k > 0 and spaced[k - 1].end - 1 == span.start)
        or (k + 1 < len(spaced) and spaced[k + 1].start == span.end - 1)
    ]
    # One "*" between two syllables is how genuine notices mask a name (권*준, 홍*동님): counted only
    # when it chains with another filler ("바*카*라").
    fillers = [
        span
        for k, span in enumerate(fillers)
        if span.text[1:-1] != "*"
        or (k > 0 and fillers[k - 1].end - 1 == span.start)
        or (k + 1 < len(fillers) and fillers[k + 1].start == span.end - 1)
    ]
    return Folded("".join(out), out_origin, fillers, chained, composed, enclosed)


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of `pattern`."""
    parts, depth, in_class, start, i = [], 0, False, 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


# Python's \w (str.isalnum or _): letters, numbers and _, not combining marks.
_NOT_WORD = r"[^\pL\pN_]"


@dataclass(frozen=True)
class Lexicon:
    """A lexicon with Python's Unicode word boundaries, which RE2 lacks (its \\b is ASCII only).

    `\\b` only opens or closes an alternative here. Every alternative is preceded by one consumed context
    character (the text gets a leading space, so there always is one), which must be a non-word character
    before a `\\b`; a closing `\\b` becomes a consumed non-word character or the end. All alternatives
    then start one character before their finding, so the leftmost-first order is Python's, and `scan`
    resumes at the finding's last character, the context of the next. For a whole-text match, a `\\b` at
    an alternative's edge always holds, so `full` is the pattern without them.
    """

    scanner: SafePattern
    full: SafePattern
    groups: tuple[str, ...]

    def finding(self, match: Match) -> str:
        return next(group for group in self.groups if match.group(group) is not None)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each finding in `text`, as Python's finditer would give them."""
        padded = " " + text[: MAX_TEXT_CHARS - 1]
        found = []
        for match in self.scanner.scan(padded, self.finding):
            start, end = match.span(self.finding(match))
            found.append((start - 1, end - 1))
        return found

    def fullmatch(self, text: str) -> Match | None:
        return self.full.fullmatch(text)


def _lexicon(name: str, pattern: str) -> Lexicon:
    runs: list[tuple[str, str, list[str]]] = []  # (before, after, alternatives) with the same context
    for alternative in _alternatives(pattern):
        opens, closes = alternative.startswith(r"\b"), alternative.endswith(r"\b")
        body = alternative.removeprefix(r"\b").removesuffix(r"\b") if opens or closes else alternative
        if r"\b" in body:
            raise ValueError(f"\\b inside an alternative is not supported: {alternative!r}")
        before = _NOT_WORD if opens else "(?s:.)"
        after = f"(?:{_NOT_WORD}|$)" if closes else ""
        if runs and runs[-1][:2] == (before, after):
            runs[-1][2].append(body)
        else:
            runs.append((before, after, [body]))
    groups = tuple(f"g{k}" for k in range(len(runs)))
    scanner = "|".join(
        f"{before}(?P<{group}>{'|'.join(bodies)}){after}"
        for group, (before, after, bodies) in zip(groups, runs, strict=True)
    )
    return Lexicon(
        compile_pattern(f"lures.{name}", scanner, ignore_case=True),
        compile_pattern(f"lures.{name}.full", pattern.replace(r"\b", ""), ignore_case=True),
        groups,
    )


# Matched on the folded text. Plain alternations of literals (re2-compatible, linear time).
LURE_LEXICONS: dict[str, Lexicon] = {
    "gambling": _lexicon(
        "gambling",
        r"토토|카지노|까지노|바카라|빠카라|슬롯|먹튀|배팅|베팅|홀덤|파워볼|놀이터|환전|환젼|환죤|첫충|매충|입플|페이백|콤프|"
        r"롤링|총판|스포츠\s?분석|라이브\s?카지노|미니\s?게임|가입\s?코드|추천\s?코드|추천인\s?코드|가입\s?첫|"
        r"돌발\s?이벤트|무한\s?매충|신규\s?가입\s?머니|꽁머니|가입\s?지원금|신규\s?쿠폰|횐님|걸고|걸자|주소\s?변경|"
        r"최신\s?주소|접속\s?주소|새\s?주소|리뉴얼|에볼루션|벳|\bcasino\b|\bslot\b|\bbet\b|\btoto\b",
    ),
    "bonus_table": _lexicon("bonus_table", r"\d{1,3}\s?[+┼]\s?\d{1,3}\s+\d{1,3}\s?[+┼]\s?\d{1,3}"),
    "adult": _lexicon(
        "adult",
        r"셔츠룸|풀살롱|풀싸롱|풀살렁|가라오케|퍼블릭|하이퍼|룸살롱|초이스|미시|돌싱|유부녀|여대생|애인\s?대행|조건\s?만남|"
        r"출장\s?(?:마사지|안마)|오피\s?(?:걸|방|예약|출장)|립카페|키스방|휴게텔|안마방|성인\s?(?:방송|채팅|사이트|용품)|만남\s?(?:어플|사이트)|"
        r"섹시|19금|넣어\s?줘|외로운|화끈|야한|속궁합|엔조이|원나잇|홈타이|전화\s?방|전화\s?팅|폰팅|출장\s?(?:홈|타이|스웨디시)|스웨디시|(?:센터|올박|밤배)\s?여신|여신\s?(?:출근|대기|초이스)|"
        r"연애가?\s?하고|프로필을\s?방문|비밀\s?메시지|\b060\b|06-0\d|060-",
    ),
    "money_lure": _lexicon(
        "money_lure",
        r"단타|상승주|급등주|급등|종목|리딩|수익\s?(?:률|인증|보장|창출)|원금\s?보장|(?:천만원|억|만원)\s?만들기|"
        r"무료\s?체험방|체험방|주식\s?강의|코인|선물\s?(?:거래|옵션)|적중|극비|세력|작전주|매수\s?(?:추천|타이밍|신호)|"
        r"방영|월\s?\d{1,4}\s?(?:천|억)|부업|재택\s?(?:알바|부업|업무|근무)|일당\s?\d|당일\s?지급|고수익|수익금|투자\s?(?:정보|상담|전문가)|"
        r"\bbtc\b|비트코인|거래소|지갑|매집|타점|주포|상한가|관련주|정보\s?입수|vip\s?정보|실현\s?(?:률|수익)|"
        r"해외\s?선물|선물\s?투자|자동\s?매매|레버리지|폭등|수익\s?(?:이\s?되|나는|내)|정보방|오픈방|매매\s?성공|미공개\s?정보|이슈\s?공유|"
        r"당일\s?실현|원\s?→|\d\s?(?:주|일)\s?(?:동안|간)\s?\d|원\s?시작|수령\s?\+",
    ),
    "lottery": _lexicon(
        "lottery",
        r"로또|1등\s?번호|당첨\s?번호|번호\s?(?:분석|추출|조합)|\d{1,2}\s?조합|\d등\s?(?:당첨|번호|이상|\d번)|동행\s?복권|연금\s?복권|"
        r"분석\s?번호|재당첨|미당첨|당첨\s?(?:데이터|결과치|금)",
    ),
    "loan_lure": _lexicon(
        "loan_lure",
        r"대부\s?(?:업|중개|금융)|월변|일수\b|일수\s?(?:대출|가능|상환|대부)|당일\s?(?:대출|상품|진행|입금)|비대면\s?대출|대출\s?(?:가능|문의|진행|상담|승인)|자금\s?(?:필요|마련)|"
        r"작업\s?대출|소액\s?결제\s?(?:현금|대납)|정보\s?이용료\s?(?:현금|대납)|현금화|카드깡|상품권\s?매입|무직자|신불자|연체자|저신용|추가\s?대출|"
        r"채무\s?통합|대환|한도\s?(?:조회|확인)|대출\s?중개|스피드\s?론|신용\s?무관|미납\s?없|선이자|현금\s?지원|카드\s?현금|정산\s?정책|\d+\s?%\s?정산",
    ),
    "gov_lure": _lexicon(
        "gov_lure",
        r"대상자|대상으로|승인\s?대상|지원\s?대상|선정\s?(?:되|대상)|미신청|신청하지\s?않|재\s?안내|신청\s?기한|마감\s?전|"
        r"정부\s?지원|정책\s?(?:자금|지원)|민생\s?(?:안정|경제)|생활\s?안정|특례\s?보증|특별\s?지원|긴급\s?(?:생계|생활|금융)|"
        r"추경|추가\s?경정|소상공인|저소득|취약\s?계층|희망\s?플러스|재정\s?지원|정부\s?(?:특별|예산)",
    ),
    "loan_words": _lexicon("loan_words", r"대출|자금|보증|한도|금리|융자|지원금"),
    "recruit": _lexicon(
        "recruit",
        r"채권\s?추심|외근|일당\s?\d|당일\s?지급|주급|알바|재택\s?(?:알바|부업|업무|근무)|부업|구인|남녀\s?무관|나이\s?무관|초보자\s?(?:환영|가능)|"
        r"고액\s?알바|계좌\s?(?:구함|임대|대여|삽니다)|통장\s?(?:임대|매입|대여)",
    ),
    "gift_card": _lexicon(
        "gift_card",
        r"문화\s?상품권|컬쳐\s?랜드|컬처\s?랜드|해피\s?머니|구글\s?(?:기프트|플레이\s?카드)|기프트\s?카드|기프티콘|"
        r"상품권|편의점\s?(?:가서|에서)|gift\s?cards?|google\s?play\s?card|itunes",
    ),
    "pin": _lexicon("pin", r"핀\s?번호|pin\s?번호|\bpin\b|뒷\s?자리|스크래치|바코드\s?번호|카드\s?번호"),
    "messenger_word": _lexicon(
        "messenger_word",
        r"카톡|카카오톡|깨톡|까톡|카턱|카똑|깨똑|텔레그램|텔레|텔렘|위챗|오픈\s?채팅|오픈\s?톡|친추|친구\s?추가|선톡|"
        r"\bid\s?[:：]|아이디|\bline\b|whatsapp|telegram",
    ),
    "pills": _lexicon(
        "pills",
        r"비-?아\s?(?:100|정품|한\s?알|그라)|파워\s?비아|오리지널\s?비아|정\s?필름|부전\s?치료|발기\s?(?:부전|력|강화|개선|제)|정력|비아그라|시알리스|조루|사정\s?지연|레비트라|다이어트\s?약|프로페시아",
    ),
    "fake_docs": _lexicon("fake_docs", r"경력\s?수첩|경력\s?증명|졸업\s?증명|자격증\s?(?:발급|대여)|위조"),
    "family_person": _lexicon(
        "family_person",
        r"엄마|엉마|아빠|어머니|아버지|아들|딸이|딸래미|누나|언니|오빠|이모|삼촌|여보|자기야|\bmom\b|\bdad\b",
    ),
    "phone_trouble": _lexicon(
        "phone_trouble",
        r"액정|화면\s?(?:이\s?)?(?:깨|안|나갔)|폰\s?(?:이\s?)?(?:고장|깨|망가|잃어|분실|수리|맡기|맡겼|떨어|떨어뜨|떨거|물에|침수)|"
        r"핸드폰\s?(?:이\s?)?(?:고장|깨|분실|수리|액정|떨어)|휴대폰\s?(?:이\s?)?(?:고장|깨|분실|수리|떨어)|임시\s?폰|"
        r"인터넷\s?문자|문자\s?어플|pc\s?문자|컴퓨터로\s?문자|컴퓨터\s?문자|새\s?번호|번호\s?바뀌|폰\s?보험|인증\s?(?:을\s?)?못\s?받|"
        r"이\s?번호로|이\s?번호\s?(?:사용|저장)|번호\s?(?:변경|교체|바꿨)|전화\s?(?:번호\s?)?(?:변경|망가|고장)|폰\s?화면|"
        r"\bas\s?맡|떨어뜨렸|통화가\s?안\s?돼|임시\s?번호",
    ),
    # Cashing out a phone's micro-payment or content-billing limit, card or gift-card "깡": illegal
    # whatever form the message takes, so two of these words are read even in the lawful ad form.
    "cash_out": _lexicon(
        "cash_out",
        r"소액\s?결제|정보\s?이용료|콘텐츠\s?이용료|휴대폰\s?결제|핸드폰\s?결제|카드\s?깡|상품권\s?매입|\d+\s?%\s?정산|정산\s?정책|"
        r"미납\s?없|신용\s?무관|작업\s?대출|현금화|당일\s?입금",
    ),
    # What a stranger's "my phone is down, message me there" says, with no family word.
    "contact_trouble": _lexicon(
        "contact_trouble",
        r"전화\s?(?:가\s?)?안\s?(?:돼|되|받)|통화\s?(?:가\s?)?안\s?(?:돼|되)|번호\s?(?:가\s?)?(?:변경|바뀌|바꿨)|새\s?번호|"
        r"폰\s?(?:이\s?)?(?:고장|깨|분실|수리)|액정|임시\s?(?:폰|번호)|(?:문자|메[세시]지)\s?(?:확인\s?)?(?:이\s?|가\s?)?힘들",
    ),
    "family_ask": _lexicon(
        "family_ask",
        r"답장|문자\s?(?:줘|해\s?줘|주세요|보면)|톡\s?(?:줘|해줘|주세요)|친추|친구\s?추가|신분증|주민증|주민\s?등록증|카드\s?(?:사진|번호|앞뒤)|"
        r"송금|보내\s?줘|보내줄|이체|입금|상품권|결제\s?(?:좀|해)|인증\s?번호|돈\s?(?:좀|이)|빌려|부탁\s?(?:할|하나|좀)|"
        r"사진\s?(?:찍어|보내)|원격|앱\s?설치|링크\s?눌러",
    ),
    "purchase": _lexicon(
        "purchase",
        r"결제|승인|구매|주문|합계|대금|출금|해외\s?(?:직구|물류|구매)|통관|발급\s?(?:신청|완료|접수)|가입\s?(?:신청|완료|접수)|"
        r"개통|접수\s?(?:완료|되)|purchase|order|charged|payment",
    ),
    "ask_contact": _lexicon(
        "ask_contact", r"문의|고객\s?센터|상담|연락|전화|신고|취소\s?(?:요청|접수|문의)|call|contact"
    ),
    "otp_notice": _lexicon(
        "otp_notice",
        r"인증\s?번호|인증\s?코드|승인\s?번호|verification\s?code|\bcode\s?(?:is|:)|passcode|\botp\b|보안\s?코드|유효\s?시간|"
        r"타인에게\s?(?:절대\s?)?(?:알려|노출)|입력\s?(?:해|하여|하세요)",
    ),
    "bank_notice": _lexicon(
        "bank_notice", r"잔액|입금|출금|이체|체크|누적|일시불|할부|승인\s?취소|사용\s?금액|결제\s?예정|청구"
    ),
    "warning_notice": _lexicon(
        "warning_notice",
        r"주의\s?(?:하시기|하세요|바랍니다)|속지\s?마|절대\s?(?:클릭|누르지|설치하지|알려주지)|피싱\s?(?:주의|예방|수법)|"
        r"보이스\s?피싱|스미싱\s?(?:주의|예방)|사기\s?(?:주의|예방)|출처가\s?불분명|경찰청\s?112|유의\s?사항|예방\s?(?:수칙|요령)",
    ),
    "service_notice": _lexicon(
        "service_notice",
        r"안내\s?드립니다|알려\s?드립니다|감사합니다|이용해\s?주셔서|개인\s?정보|약관|휴면|분리\s?보관|수신\s?동의|"
        r"예정입니다|완료되었습니다|접수되었습니다|배송\s?(?:예정|완료|출발)|도착\s?예정|납부|고지|명세서|청구서|"
        r"예약|진료|수업|학부모|교회|성당|동호회|모임|회의|일정",
    ),
}
# Lexicons whose hidden (folded-only) matches are reported as obfuscated banned content.
_BANNED = ("gambling", "adult", "money_lure", "lottery", "loan_lure", "pills", "fake_docs")


@dataclass(frozen=True)
class LureSpec:
    code: str
    argues_for: str
    strength: float
    text_ko: str
    text_en: str


LURE_SPECS: tuple[LureSpec, ...] = (
    LureSpec(
        "obfuscated_words",
        "spam",
        0.8,
        "필터를 피하려고 글자 사이에 기호·공백을 넣거나 글자를 바꿔 쓴 금지 표현({word})이 있습니다.",
        "Banned wording disguised with symbols, spaces or look-alike letters ({word}) to slip past filters.",
    ),
    LureSpec(
        "obfuscated_text",
        "spam",
        0.5,
        "단어 사이에 기호나 영문자를 끼워 넣어 글자를 흐트러뜨렸습니다.",
        "Words broken up with symbols or stray letters, a filter-evasion trick.",
    ),
    LureSpec(
        "banned_adult",
        "spam",
        0.85,
        "성인·유흥업소·060 유료 대화 등 광고가 금지된 내용입니다.",
        "Adult, escort or premium-rate (060) chat content, which may not be advertised.",
    ),
    LureSpec(
        "banned_lottery",
        "spam",
        0.7,
        "당첨 번호를 준다는 로또 번호 서비스 유인입니다.",
        "A lottery-number service promising winning numbers.",
    ),
    LureSpec(
        "money_lure",
        "spam",
        0.7,
        "고수익·급등주·부업 등 돈벌이를 약속하는 유인입니다.",
        "A get-rich lure: guaranteed returns, hot stocks or easy side income.",
    ),
    LureSpec(
        "loan_lure",
        "spam",
        0.7,
        "대부·당일 대출·소액결제 현금화 등 불법 대출 유인입니다.",
        "An illegal-loan lure: same-day loans, private lenders, cashing out micro-payments.",
    ),
    LureSpec(
        "banned_pills",
        "spam",
        0.85,
        "처방 없이 파는 의약품 광고입니다.",
        "Pills sold without prescription.",
    ),
    LureSpec(
        "fake_documents",
        "spam",
        0.8,
        "경력·증명서를 만들어 준다는 불법 서류 광고입니다.",
        "Fabricated certificates or career records for sale.",
    ),
    LureSpec(
        "government_loan_lure",
        "smishing",
        0.85,
        "정부·정책 지원 대출 '대상자'라며 미신청·마감을 내세워 신청을 재촉합니다.",
        "It says you were selected for a government-backed loan and presses you to apply before a deadline.",
    ),
    LureSpec(
        "gift_card_pin",
        "smishing",
        0.85,
        "상품권을 사서 핀번호를 보내 달라고 합니다.",
        "It asks you to buy gift cards and send their PIN numbers.",
    ),
    LureSpec(
        "family_phone_pretext",
        "smishing",
        0.9,
        "가족을 사칭해 휴대폰 고장 등을 핑계로 다른 번호·메신저로 연락을 요구합니다.",
        "Someone posing as family uses a broken phone as pretext to move you to another number or messenger.",
    ),
    LureSpec(
        "cash_out_lure",
        "spam",
        0.8,
        "휴대폰 소액결제·정보이용료 한도나 카드를 현금으로 바꿔 준다는 불법 현금화 광고입니다.",
        "An illegal offer to cash out a phone's micro-payment or content-billing limit, or a card.",
    ),
    LureSpec(
        "contact_move_pretext",
        "smishing",
        0.8,
        "번호가 바뀌었거나 전화가 안 된다며 메신저로 옮겨 연락하자고 합니다. 지인 사칭의 전형적인 수법입니다.",
        "It says the sender's number changed or does not work and asks you to continue in a messenger, the classic acquaintance-impersonation move.",
    ),
    LureSpec(
        "purchase_callback",
        "smishing",
        0.75,
        "결제·발급 내역을 알리며 대표번호가 아닌 번호({phone})로 문의하게 합니다.",
        "A purchase or card-issue notice that asks you to call a number that is not a service line ({phone}).",
    ),
    LureSpec(
        "recruit_messenger",
        "smishing",
        0.6,
        "고액 일당·채권추심 등 구인을 내세워 메신저로 연락하게 합니다.",
        "A job offer (high daily pay, debt collection) that moves you to a messenger.",
    ),
    LureSpec(
        "ad_form_disguised",
        "spam",
        0.75,
        "광고 형식이지만 자기 문구를 전각 공백·위첨자·원문자·자모 조합으로 흐트러뜨렸습니다({word}). 합법 광고주는 자기 광고를 숨기지 않습니다.",
        "Ad form, but its own words are disguised with fullwidth spaces, superscripts, circled characters or jamo ({word}); a lawful advertiser does not hide its own ad.",
    ),
    LureSpec(
        "obfuscated_link",
        "spam",
        0.75,
        "원문자·전각 문자로 주소를 흐트러뜨려 필터를 피하는 링크입니다.",
        "A link written in circled or fullwidth characters to slip past filters.",
    ),
)
LURE_DENSE = (
    *(f"lure_{name}" for name in LURE_LEXICONS),
    "obf_fillers",
    "obf_spaced",
    "obf_composed",
    "obf_enclosed",
    "obf_hidden",
    "phone_050",
    "phone_060",
    "phone_landline",
    "len_bucket_long",
)


# Disguises no lawful advertiser has a reason for: syllables spaced out one by one with the fullwidth
# space (석　한　금; one between two words is ordinary), a superscript digit inside a Latin word
# (B¹T¹C), two circled characters glued to a code (AG-⑤⑧). Circled digits that number a list
# (① 일시 ② 장소) stand apart and are not read here.
_AD_DISGUISE = compile_pattern(
    "lures.ad_disguise",
    "[가-힣]\u3000[가-힣]\u3000[가-힣]|[A-Za-z][\u00b9\u00b2\u00b3\u2070-\u2079][A-Za-z]?|"
    "[A-Za-z\\-][\u2460-\u24ff\u3251-\u32bf]{2}",
)
# A business announcing its own new line or channel is not a stranger moving you to a messenger.
_SERVICE_NOTICE = compile_pattern(
    "lures.own_line_notice", r"고객\s?센터|대표\s?번호|(?:카카오톡|카톡)\s?채널|채널\s?추가"
)
_AMOUNT = compile_pattern("lures.amount", r"\d[\d,]{2,}\s?원|\d[\d,]{3,}")
# Python's Unicode \b after "com" as a consumed non-word character (only whether it matches is read).
_LINK_ENDING = compile_pattern("lures.link_ending", rf"\.(?:com|net|kr|me)|com(?:{_NOT_WORD}|$)")
_LANDLINE = compile_pattern("lures.landline", r"0(?:2|[3-6][1-5])")


@dataclass
class LureResult:
    hits: list[tuple[str, tuple[Span, ...], dict[str, str]]]
    dense: dict[str, float]


def _spans(folded: Folded, message: str, lexicon: Lexicon) -> list[Span]:
    # \d is ASCII in RE2: digits folded one for one, so offsets hold. A folded text can outgrow the
    # message (NFKC expands some characters); only its first MAX_TEXT_CHARS - 1 characters are read.
    found = lexicon.spans(fold_digits(folded.text))
    return [folded.span(message, start, end) for start, end in found if end > start]


def lures(
    message: str,
    *,
    phones: list[tuple[Span, str]],
    messengers: list[Span],
    risky_links: list[Span],
    compliant_ad: bool = False,
) -> LureResult:
    """Lure hits (code, evidence, params) and dense features for one message.

    `phones` are (span, normalised digits) of the phone numbers found, `messengers` the messenger
    handles, `risky_links` the links outside official domains (all from `indicators.py`);
    `compliant_ad` says the message has the lawful ad form ((광고) first, free opt-out last).
    """
    folded = fold(message)
    found = {name: _spans(folded, message, pattern) for name, pattern in LURE_LEXICONS.items()}
    hits: list[tuple[str, tuple[Span, ...], dict[str, str]]] = []

    def hit(code: str, evidence: list[Span], **params: str) -> None:
        spans = tuple(dict.fromkeys(s for s in evidence if s.text))
        if spans:
            hits.append((code, spans, params))

    hidden: list[Span] = []
    for name in _BANNED:
        for span in found[name]:
            # Found only once folded: the raw text hides it.
            if LURE_LEXICONS[name].fullmatch(fold_digits(span.text.lower())[:MAX_TEXT_CHARS]) is None:
                hidden.append(span)
    if hidden:
        hit("obfuscated_words", hidden[:2], word=hidden[0].text)
    tricks = folded.inner_fillers + folded.spaced_runs + folded.composed
    if len(tricks) >= 3:
        hit("obfuscated_text", tricks[:2])

    phone_060 = [s for s, digits in phones if digits.startswith("060")]
    if found["adult"] or phone_060:
        hit("banned_adult", [*found["adult"][:2], *phone_060[:1]])
    if found["lottery"]:
        hit("banned_lottery", found["lottery"][:2])
    if len({s.text for s in found["money_lure"]}) >= 1 and (
        risky_links or messengers or phones or len(found["money_lure"]) >= 2
    ):
        hit("money_lure", found["money_lure"][:2])
    if found["loan_lure"] and not found["gov_lure"] and (not compliant_ad or messengers):
        hit("loan_lure", found["loan_lure"][:2])
    # Kinds, not mentions: "80% 정산" and "60% 정산" are one.
    cash_out = {"".join(c for c in sp.text if not (c.isdigit() or c.isspace())) for sp in found["cash_out"]}
    if len(cash_out) >= 2 and not found["warning_notice"]:
        hit("cash_out_lure", found["cash_out"][:2])
    if found["pills"]:
        hit("banned_pills", found["pills"][:2])
    if found["fake_docs"]:
        hit("fake_documents", found["fake_docs"][:1])
    if len({s.text for s in found["gov_lure"]}) >= 2 and found["loan_words"] and not found["warning_notice"]:
        hit("government_loan_lure", [*found["gov_lure"][:2], *found["loan_words"][:1]])
    if found["gift_card"] and (found["pin"] or found["family_person"]) and found["family_ask"]:
        hit("gift_card_pin", [*found["gift_card"][:1], *found["pin"][:1], *found["family_ask"][:1]])
    if found["family_person"] and found["phone_trouble"] and not found["warning_notice"]:
        hit(
            "family_phone_pretext",
            [*found["family_person"][:1], *found["phone_trouble"][:1], *found["family_ask"][:1]],
        )
    # The same pretext from someone who names no relation (an acquaintance, a colleague): the number
    # "changed" or "does not work", so carry on in a messenger.
    elif (
        found["contact_trouble"]
        and (messengers or found["messenger_word"])
        and not found["warning_notice"]
        and not found["family_person"]
        and _SERVICE_NOTICE.search(message) is None
    ):
        hit(
            "contact_move_pretext",
            [*found["contact_trouble"][:1], *(messengers[:1] or found["messenger_word"][:1])],
        )
    callback = [
        (s, d)
        for s, d in phones
        if not d.startswith(("080", "15", "16", "18")) and not (len(d) == 8 and d[:2] in ("15", "16", "18"))
    ]
    # Purchase lures are short; long service notices that name a phone number are not.
    if (
        found["purchase"]
        and callback
        and found["ask_contact"]
        and not found["otp_notice"]
        and len(message) <= 180
    ):
        amount = _AMOUNT.search(fold_digits(message))
        if amount:
            hit(
                "purchase_callback",
                [found["purchase"][0], Span.of(message, amount.start(), amount.end()), callback[0][0]],
                phone=callback[0][0].text,
            )
    if found["recruit"] and (messengers or found["messenger_word"]):
        hit("recruit_messenger", [*found["recruit"][:1], *(messengers[:1] or found["messenger_word"][:1])])
    if compliant_ad:
        disguise = [Span.of(message, m.start(), m.end()) for m in _AD_DISGUISE.finditer(message)]
        disguise += folded.composed
        if disguise:
            hit("ad_form_disguised", disguise[:2], word=disguise[0].text)
    if folded.enclosed >= 3:
        marks = [
            Span.of(message, i, i + 1) for i, c in enumerate(message) if _is_enclosed(c) or _is_fullwidth(c)
        ]
        if risky_links or _LINK_ENDING.search(fold_digits(folded.text[:MAX_TEXT_CHARS])):
            hit("obfuscated_link", marks[:2])

    dense: dict[str, float] = {f"lure_{name}": float(len(spans)) for name, spans in found.items()}
    dense.update(
        obf_fillers=float(len(folded.inner_fillers)),
        obf_spaced=float(len(folded.spaced_runs)),
        obf_composed=float(len(folded.composed)),
        obf_enclosed=float(folded.enclosed),
        obf_hidden=float(len(hidden)),
        phone_050=float(sum(1 for _, d in phones if d.startswith("050"))),
        phone_060=float(len(phone_060)),
        phone_landline=float(sum(1 for _, d in phones if _LANDLINE.match(fold_digits(d)) is not None)),
        len_bucket_long=float(len(message) > 300),
    )
    return LureResult(hits, dense)
