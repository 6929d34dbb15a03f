"""Masking keeps the consent text's promise, however a number is written (property-based).

The consent text says resident registration numbers and card numbers are masked before a message is
stored. These properties generate valid RRNs (with check digits) and Luhn-valid card numbers, write
them with every separator people use (mixed within one number), in ASCII, fullwidth or mixed digits,
right after the words that used to hide them (bank names, 계좌, 카드번호), and check that none of
the hidden digits survive. Scammer indicators (links, call-back numbers, messenger IDs, beneficiary
accounts) must survive untouched.
"""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from smishing.engine.indicators import _NOT_HANDLES, extract_indicators
from smishing.engine.masking import CARD_OVER_ACCOUNT_DIGITS, luhn_valid, mask_personal_data, rrn_shaped

SEPARATORS = [" ", "-", ".", "－", "–", "—", "  ", " - ", "·", "\u3000", "．", "\u00a0"]
CONTEXT_BEFORE = [
    "",
    "고객님 ",
    "주민번호 ",
    "주민등록번호: ",
    "신한은행 ",
    "국민",
    "KB국민 ",
    "우리은행 계좌 ",
    "계좌",
    "계좌번호 ",
    "입금계좌 ",
    "카드번호",
    "카드번호: ",
    "하나 ",
    "농협 계좌번호 ",
]
CONTEXT_AFTER = ["", " 입니다", "로 입금하세요", ". 확인 바랍니다", "\n감사합니다"]
FULLWIDTH = {str(d): chr(0xFF10 + d) for d in range(10)}

settings.register_profile(
    "masking", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("masking")


def rrn_check_digit(first12: str) -> str:
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    total = sum(int(d) * w for d, w in zip(first12, weights, strict=True))
    return str((11 - total % 11) % 10)


@st.composite
def rrns(draw: st.DrawFn) -> str:
    year = draw(st.integers(1930, 2024))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, 28))
    foreigner = draw(st.booleans())
    if year < 2000:
        sex = draw(st.sampled_from("56" if foreigner else "12"))
    else:
        sex = draw(st.sampled_from("78" if foreigner else "34"))
    rest = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=5, max_size=5)))
    first12 = f"{year % 100:02d}{month:02d}{day:02d}{sex}{rest}"
    return first12 + rrn_check_digit(first12)


def luhn_complete(partial: str) -> str:
    for check in "0123456789":
        if luhn_valid(partial + check):
            return partial + check
    raise AssertionError("unreachable")


@st.composite
def cards(draw: st.DrawFn) -> tuple[str, list[int]]:
    """A Luhn-valid card number and its usual grouping."""
    kind = draw(st.sampled_from(["visa", "master", "amex", "bc", "local"]))
    prefix = {"visa": "4", "master": draw(st.sampled_from(["51", "53", "55", "2221"])), "amex": "37"}.get(
        kind, draw(st.sampled_from(["9410", "6251", "3560"]))
    )
    length = 15 if kind == "amex" else 16
    body = prefix + "".join(
        draw(
            st.lists(
                st.sampled_from("0123456789"),
                min_size=length - len(prefix) - 1,
                max_size=length - len(prefix) - 1,
            )
        )
    )
    number = luhn_complete(body)
    grouping = [4, 6, 5] if length == 15 else [4, 4, 4, 4]
    return number, draw(st.sampled_from([grouping, [length]]))


@st.composite
def written(draw: st.DrawFn, digits: str, grouping: list[int]) -> str:
    """`digits` cut into `grouping`, with a separator drawn per boundary and a width per digit."""
    parts, cursor = [], 0
    for size in grouping:
        parts.append(digits[cursor : cursor + size])
        cursor += size
    text = parts[0]
    for part in parts[1:]:
        text += draw(st.sampled_from(SEPARATORS)) + part
    width = draw(st.sampled_from(["ascii", "fullwidth", "mixed"]))
    if width == "fullwidth":
        return "".join(FULLWIDTH.get(c, c) for c in text)
    if width == "mixed":
        flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
        return "".join(FULLWIDTH.get(c, c) if flip else c for c, flip in zip(text, flips, strict=True))
    return text


def ascii_digits(text: str) -> str:
    return "".join(str(int(c)) if c.isdecimal() else c for c in text)


def only_digits(text: str) -> str:
    return "".join(c for c in ascii_digits(text) if c.isdigit())


@given(data=st.data(), rrn=rrns())
def test_resident_registration_numbers_are_masked_however_written(data: st.DataObject, rrn: str) -> None:
    grouping = data.draw(st.sampled_from([[6, 7], [13]]))
    number = data.draw(written(rrn, grouping))
    before = data.draw(st.sampled_from(CONTEXT_BEFORE))
    after = data.draw(st.sampled_from(CONTEXT_AFTER))
    message = before + number + after

    masked = mask_personal_data(message)

    assert len(masked) == len(message)
    assert masked.startswith(before) and masked.endswith(after)
    shown = masked[len(before) : len(before) + len(number)]
    # The birth date and the sex digit stay; the six digits that identify the person do not.
    assert only_digits(shown) == rrn[:7]
    assert shown.count("*") == 6
    assert rrn[7:] not in only_digits(masked)


@given(data=st.data(), card=cards())
def test_card_numbers_are_masked_however_written(data: st.DataObject, card: tuple[str, list[int]]) -> None:
    digits, grouping = card
    number = data.draw(written(digits, grouping))
    before = data.draw(st.sampled_from(CONTEXT_BEFORE))
    after = data.draw(st.sampled_from(CONTEXT_AFTER))
    message = before + number + after

    masked = mask_personal_data(message)

    assert len(masked) == len(message)
    assert masked.startswith(before) and masked.endswith(after)
    shown = masked[len(before) : len(before) + len(number)]
    assert only_digits(shown) == digits[:4] + digits[-4:]
    assert shown.count("*") == len(digits) - 8


@given(data=st.data(), rrn=rrns(), card=cards())
def test_masking_is_idempotent(data: st.DataObject, rrn: str, card: tuple[str, list[int]]) -> None:
    message = "주민번호 " + data.draw(written(rrn, [6, 7])) + " 카드 " + data.draw(written(card[0], card[1]))
    once = mask_personal_data(message)
    assert mask_personal_data(once) == once


ACCOUNT_SHAPES = [[3, 3, 6], [4, 3, 6], [3, 6, 5], [6, 2, 6], [4, 2, 7], [3, 4, 4, 2], [3, 2, 6]]
BANKS = ["신한", "국민은행", "우리은행", "하나", "농협", "카카오뱅크", "IBK기업", "새마을금고"]


def _looks_personal(parts: list[str]) -> bool:
    """Some run of the parts is RRN-shaped (date at a part boundary) or a card-length Luhn number."""
    for first in range(len(parts)):
        digits, boundaries = "", set()
        for part in parts[first:]:
            digits += part
            boundaries.add(len(digits))
            if len(digits) == 13 and 6 in boundaries | {13} and rrn_shaped(digits):
                return True
            if CARD_OVER_ACCOUNT_DIGITS <= len(digits) <= 19 and luhn_valid(digits):
                return True
    return False


@st.composite
def beneficiary_accounts(draw: st.DrawFn) -> tuple[str, str]:
    shape = draw(st.sampled_from(ACCOUNT_SHAPES))
    parts = ["".join(draw(st.lists(st.sampled_from("0123456789"), min_size=n, max_size=n))) for n in shape]
    digits = "".join(parts)
    # The documented precedence: digits shaped exactly like an RRN, or a Luhn-valid number of card
    # length, are masked even after a bank name. Real account numbers of other shapes never are.
    assume(not _looks_personal(parts))
    separator = draw(st.sampled_from(["-", " "]))
    bank = draw(st.sampled_from(BANKS))
    lead = draw(st.sampled_from(["", "입금 ", "계좌 "]))
    return f"{lead}{bank} {separator.join(parts)}", digits


# Words such as "channel" or "login" after "아이디:" are deliberately not read as handles.
handles = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=4, max_size=12).filter(
    lambda h: h[0].isalpha() and h not in _NOT_HANDLES
)
domains = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=10)
paths = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=24)
phones = st.tuples(
    st.sampled_from(["010", "070", "02"]), st.integers(1000, 9999), st.integers(1000, 9999)
).map(lambda p: f"{p[0]}-{p[1]}-{p[2]}")


@given(
    account=beneficiary_accounts(),
    handle=handles,
    domain=domains,
    path=paths,
    phone=phones,
    rrn=rrns(),
)
def test_scammer_indicators_stay_unmasked(
    account: tuple[str, str], handle: str, domain: str, path: str, phone: str, rrn: str
) -> None:
    account_text, account_digits = account
    pushed = [account_text, f"https://{domain}.top/{path}", f"카톡 아이디: {handle}", phone]
    message = (
        f"[Web발신] 고객님 주민번호 {rrn[:6]}-{rrn[6:]} 확인되었습니다. {pushed[0]} 로 입금. "
        f"{pushed[1]} 접속 후 {pushed[2]} 추가, 문의 {pushed[3]}"
    )

    masked = mask_personal_data(message)

    for indicator_text in pushed:
        assert indicator_text in masked
    assert f"주민번호 {rrn[:6]}-{rrn[6]}****** 확인" in masked
    found = {(i.kind, i.normalized) for i in extract_indicators(masked)}
    assert ("account", account_digits) in found
    assert ("messenger", handle.lower()) in found
