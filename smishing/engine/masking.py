"""Masking of the recipient's own personal data before a message is stored or scored.

Only the recipient's secrets are masked (resident registration numbers, card numbers). What the
message pushes (links, call-back numbers, messenger IDs, accounts to send money to) belongs to the
scammer and is kept, because analysts and the FDS need it.
"""

from __future__ import annotations

import re

from smishing.engine.indicators import account_spans

# 900101-1234567, 900101 1234567, 9001011234567 (second part starts with the sex/century digit).
_RRN = re.compile(
    r"(?<!\d)(?P<front>\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))(?P<sep>\s?[-–]\s?|\s)?"
    r"(?P<back>[1-8]\d{6})(?!\d)"
)
# 13–19 digits, optionally in groups separated by one space or dash.
_CARD = re.compile(r"(?<![\d\-])\d(?:[ \-]?\d){12,18}(?![\d\-]|[ \-]\d)")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _mask_digits(value: str, keep_head: int, keep_tail: int) -> str:
    digit_positions = [i for i, c in enumerate(value) if c.isdigit()]
    hidden = set(digit_positions[keep_head : len(digit_positions) - keep_tail])
    return "".join("*" if i in hidden else c for i, c in enumerate(value))


def mask_personal_data(text: str) -> str:
    """Mask resident registration numbers and Luhn-valid card numbers; length and shape are kept.

    `900101-1234567` → `900101-1******`; `4111 1111 1111 1111` → `4111 **** **** 1111`. Beneficiary
    accounts (a bank name or 계좌 right before the digits), URLs and call-back numbers stay as they are.
    Pure; safe to apply twice (masked text has nothing left to mask).
    """
    protected = account_spans(text)

    def is_protected(start: int, end: int) -> bool:
        return any(start < pe and ps < end for ps, pe in protected)

    chars = list(text)
    for match in _RRN.finditer(text):
        if is_protected(*match.span()):
            continue
        back_start = match.start("back")
        for i in range(back_start + 1, match.end("back")):
            chars[i] = "*"
    masked = "".join(chars)
    for match in _CARD.finditer(masked):
        value = match.group(0)
        digits = re.sub(r"\D", "", value)
        if not 13 <= len(digits) <= 19 or not _luhn_ok(digits) or is_protected(*match.span()):
            continue
        chars[match.start() : match.end()] = _mask_digits(value, 4, 4)
        masked = "".join(chars)
    return "".join(chars)
