"""Masking of the recipient's own personal data before a message is stored or scored.

The consent text promises that resident registration numbers and card numbers are masked before a
message is stored; that promise is what this module keeps. What the message pushes (links, messenger
IDs, call-back numbers, accounts to send money to) belongs to the scammer and is kept, because
analysts and the FDS need it.

How a number is found, whatever way it is written:

1. The text is normalised one character for one character: every decimal digit (fullwidth `９`,
   other scripts) becomes its ASCII digit, and every separator people put inside a number (spaces of
   any width, `-`, `－`, `–`, `—`, `.`, `．`, `·`, `ㆍ`) becomes a space. Spans in the normalised text
   are therefore spans of the original, and the original characters are the ones masked.
2. Digit groups joined by at most three separator characters form one written number; line breaks
   end it. Words around it (a bank name, 계좌, 카드번호) do not matter.
3. Within a number, any run of consecutive groups is a candidate: a resident registration number is
   13 digits whose first six (a group boundary) are a valid YYMMDD date followed by a 1–8; a card
   number is 13–19 digits passing the Luhn check.

Precedence between personal data and scammer indicators, as the consent text requires:

- Links and messenger IDs are never masked.
- Beneficiary accounts (a bank name or 계좌 before the digits) and call-back numbers stay as written,
  except when the digits have the exact shape of a resident registration number, or are a
  Luhn-valid number of 15–19 digits (the length of real card numbers; Korean account numbers have
  10–14 digits). A scammer's account that happens to look exactly like that is masked: leaking a
  customer's number costs more than hiding an account the analyst can still ask the customer for.
"""

from __future__ import annotations

from dataclasses import dataclass

from smishing.engine.indicators import extract_indicators
from untrusted.text import compile_pattern, fold_digits

# Characters that may sit between the digit groups of one written number (never a line break).
NUMBER_SEPARATORS = (
    " \t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
    "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
    ".\uff0e\u00b7\u30fb\u318d\u2027"
)
_SEPARATOR_TABLE = {ord(char): " " for char in NUMBER_SEPARATORS}
_MAX_SEPARATOR_RUN = 3
_NUMBER = compile_pattern("masking.written_number", rf"[0-9]+(?: {{1,{_MAX_SEPARATOR_RUN}}}[0-9]+)*")
_GROUP = compile_pattern("masking.digit_group", r"[0-9]+")

CARD_MIN_DIGITS, CARD_MAX_DIGITS = 13, 19
# Card-shaped numbers at least this long are masked even where they read as a beneficiary account.
CARD_OVER_ACCOUNT_DIGITS = 15


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def rrn_shaped(digits: str) -> bool:
    """13 digits: a plausible YYMMDD birth date, then a sex/century digit 1–8.

    The check digit is not required: numbers issued since October 2020 have none.
    """
    if len(digits) != 13 or not digits.isdigit():
        return False
    month, day, sex = int(digits[2:4]), int(digits[4:6]), digits[6]
    return 1 <= month <= 12 and 1 <= day <= 31 and sex in "12345678"


@dataclass(frozen=True)
class _Group:
    start: int
    end: int
    digits: str


def normalise_for_numbers(text: str) -> str:
    """ASCII digits, and one space for every in-number separator; same length as `text`."""
    return fold_digits(text).translate(_SEPARATOR_TABLE)


def _mask_range(chars: list[str], groups: list[_Group], keep_head: int, keep_tail: int) -> None:
    positions = [position for group in groups for position in range(group.start, group.end)]
    for position in positions[keep_head : len(positions) - keep_tail]:
        chars[position] = "*"


def _windows(groups: list[_Group]) -> list[tuple[int, int, str]]:
    """(first group, last group, digits) of every run of consecutive groups up to 19 digits."""
    windows = []
    for first in range(len(groups)):
        digits = ""
        for last in range(first, len(groups)):
            digits += groups[last].digits
            if len(digits) > CARD_MAX_DIGITS:
                break
            windows.append((first, last, digits))
    return windows


def _is_rrn_window(groups: list[_Group], first: int, last: int, digits: str) -> bool:
    if not rrn_shaped(digits):
        return False
    if first == last:
        return True
    # The date part must end at a group boundary: "900101-1234567", never "9001-011234567".
    count = 0
    for index in range(first, last + 1):
        count += len(groups[index].digits)
        if count == 6:
            return True
        if count > 6:
            return False
    return False


def mask_personal_data(text: str) -> str:
    """Mask resident registration numbers and card numbers however they are written.

    `900101-1234567` → `900101-1******`; `4111 1111 1111 1111` → `4111 **** **** 1111`; fullwidth
    digits and other separators are masked alike, in place, so length and shape are kept. Links,
    messenger IDs, beneficiary accounts and call-back numbers stay as they are (see the module
    docstring for the precedence). Pure and linear in the text; safe to apply twice.
    """
    normal = normalise_for_numbers(text)
    fully_kept: list[tuple[int, int]] = []
    kept_unless_personal: list[tuple[int, int]] = []
    for indicator in extract_indicators(fold_digits(text)):
        span = (indicator.span.start, indicator.span.end)
        if indicator.kind in ("url", "messenger"):
            fully_kept.append(span)
        else:
            kept_unless_personal.append(span)

    chars = list(text)
    for number in _NUMBER.finditer(normal):
        offset = number.start()
        groups = [
            _Group(offset + match.start(), offset + match.end(), match.group(0) or "")
            for match in _GROUP.finditer(number.group(0) or "")
        ]
        if sum(len(group.digits) for group in groups) >= CARD_MIN_DIGITS:
            _mask_number(chars, groups, fully_kept, kept_unless_personal)
    return "".join(chars)


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(start < span_end and span_start < end for span_start, span_end in spans)


def _mask_number(
    chars: list[str],
    groups: list[_Group],
    fully_kept: list[tuple[int, int]],
    kept_unless_personal: list[tuple[int, int]],
) -> None:
    used = [False] * len(groups)
    windows = _windows(groups)

    def free(first: int, last: int) -> bool:
        return not any(used[first : last + 1]) and not _overlaps(
            fully_kept, groups[first].start, groups[last].end
        )

    for first, last, digits in windows:
        if _is_rrn_window(groups, first, last, digits) and free(first, last):
            _mask_range(chars, groups[first : last + 1], 7, 0)
            used[first : last + 1] = [True] * (last - first + 1)
    # Longest card candidate first at each starting group.
    for first, last, digits in sorted(windows, key=lambda window: (window[0], window[0] - window[1])):
        if not CARD_MIN_DIGITS <= len(digits) <= CARD_MAX_DIGITS or not luhn_valid(digits):
            continue
        if not free(first, last):
            continue
        start, end = groups[first].start, groups[last].end
        if len(digits) < CARD_OVER_ACCOUNT_DIGITS and _overlaps(kept_unless_personal, start, end):
            continue
        _mask_range(chars, groups[first : last + 1], 4, 4)
        used[first : last + 1] = [True] * (last - first + 1)
