"""Regular expressions for untrusted text, in linear time.

Every pattern that runs on text a user, a client or a file supplies is compiled here, with RE2
(`google-re2`): matching takes time linear in the input, so no pattern can be made to backtrack
catastrophically, and RE2 releases the GIL while it matches, so a long match never stalls the other
threads of the process. Python's `re` is not used anywhere in the project's code (a test checks the
imports), and every compiled pattern lands in `REGISTRY`, which a test runs on pathological inputs of
`MAX_TEXT_CHARS` characters.

RE2 has no look-around and no back-references. Patterns here are written in Python's syntax with two
conventions instead:

- `\\s`, `\\S`, `\\w` and `\\W` mean what they mean for Python's `str` patterns (Unicode spaces and word
  characters); they are rewritten into RE2 classes at compile time. `\\d` means ASCII digits: callers
  fold other decimal digits first (`fold_digits`). `\\b` is an ASCII word boundary.
- A look-behind or look-ahead becomes a consumed context character outside a named group, and the
  caller reads the group's span; `SafePattern.scan` resumes each search at the end of that group, so
  the context character after one match is available to the next.

No module here imports Django: the pure smishing engine uses it too.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import re2

# The longest text any pattern is ever run on. Callers bound their input below this (smishing texts
# by FDS_SMISHING_MAX_CHARS, search boxes by their form fields); the regex time-budget test runs every
# pattern on pathological inputs of exactly this length.
MAX_TEXT_CHARS = 10_000


class TextTooLong(ValueError):
    """A text longer than MAX_TEXT_CHARS reached a pattern; the caller should have refused it."""


_SPACE_CLASS = r"\s\pZ\x{85}\x{1c}-\x{1f}"
_WORD_CLASS = r"\pL\pN\pM_"


def _translate(pattern: str) -> str:
    """Python-flavoured escapes to RE2 classes (see the module docstring)."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escape = pattern[i + 1]
            if escape == "u" and i + 6 <= len(pattern):
                out.append(r"\x{" + pattern[i + 2 : i + 6] + "}")
                i += 6
                continue
            if escape == "s":
                out.append(_SPACE_CLASS if in_class else f"[{_SPACE_CLASS}]")
            elif escape == "w":
                out.append(_WORD_CLASS if in_class else f"[{_WORD_CLASS}]")
            elif escape in "SW":
                if in_class:
                    raise ValueError(f"\\{escape} inside a character class is not supported: {pattern!r}")
                out.append(f"[^{_SPACE_CLASS if escape == 'S' else _WORD_CLASS}]")
            elif escape == "Z":
                out.append(r"\z")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
            out.append(char)
            # "[]..." and "[^]..." take the bracket literally.
            if pattern[i + 1 : i + 2] == "^":
                out.append("^")
                i += 1
            if pattern[i + 1 : i + 2] == "]":
                out.append(r"\]")
                i += 1
        elif char == "]" and in_class:
            in_class = False
            out.append(char)
        else:
            out.append(char)
        i += 1
    return "".join(out)


class Match:
    """One match: spans in characters of the searched text, groups by number or name."""

    __slots__ = ("_text", "_spans", "_index")

    def __init__(self, text: str, spans: list[tuple[int, int]], index: dict[str, int]) -> None:
        self._text = text
        self._spans = spans
        self._index = index

    def _group(self, group: int | str) -> int:
        return self._index[group] if isinstance(group, str) else group

    def has_group(self, name: str) -> bool:
        return name in self._index

    def span(self, group: int | str = 0) -> tuple[int, int]:
        return self._spans[self._group(group)]

    def start(self, group: int | str = 0) -> int:
        return self.span(group)[0]

    def end(self, group: int | str = 0) -> int:
        return self.span(group)[1]

    def group(self, group: int | str = 0) -> str | None:
        start, end = self.span(group)
        return None if start < 0 else self._text[start:end]

    def __getitem__(self, group: int | str) -> str | None:
        return self.group(group)

    def groupdict(self) -> dict[str, str | None]:
        return {name: self.group(name) for name in self._index}

    @property
    def string(self) -> str:
        return self._text


_NO_SPAN = (-1, -1)
_UNANCHORED = re2._Anchor.UNANCHORED
_ANCHOR_START = re2._Anchor.ANCHOR_START
_ANCHOR_BOTH = re2._Anchor.ANCHOR_BOTH


class _Encoded:
    """A text encoded once, with its byte and character offsets mapped both ways.

    RE2 matches UTF-8 bytes. The `re2` module's own iterator re-encodes and re-maps per match, which
    made a 10,000-character scan with many matches cost a tenth of a second; this does it once.
    """

    __slots__ = ("text", "data", "to_char", "to_byte")

    def __init__(self, text: str) -> None:
        self.text = text
        self.data = text.encode("utf-8")
        self.to_char: list[int] | None = None
        self.to_byte: list[int] | None = None
        if len(self.data) != len(text):
            # Offsets of every character, vectorised: a Python loop cost ~10 ms per 10,000 characters.
            codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
            widths = 1 + (codes >= 0x80).astype(np.int64) + (codes >= 0x800) + (codes >= 0x10000)
            to_byte = np.zeros(len(text) + 1, dtype=np.int64)
            np.cumsum(widths, out=to_byte[1:])
            to_char = np.zeros(len(self.data) + 1, dtype=np.int64)
            to_char[to_byte] = np.arange(len(text) + 1)
            self.to_byte, self.to_char = to_byte.tolist(), to_char.tolist()

    def byte(self, char: int) -> int:
        return char if self.to_byte is None else self.to_byte[char]

    def char(self, byte: int) -> int:
        return byte if self.to_char is None else self.to_char[byte]


# The last few texts encoded: the smishing rules run ~90 patterns over one message (and its folded
# form) in a row, and encoding was most of their cost. Small on purpose, so a message does not stay in
# memory after its scoring; a race between threads costs at most an extra encoding.
_ENCODED_RECENT: dict[str, _Encoded] = {}
_ENCODED_RECENT_SIZE = 4


def _encoded(text: str) -> _Encoded:
    found = _ENCODED_RECENT.get(text)
    if found is None:
        found = _Encoded(text)
        if len(_ENCODED_RECENT) >= _ENCODED_RECENT_SIZE:
            _ENCODED_RECENT.clear()
        _ENCODED_RECENT[text] = found
    return found


@dataclass(frozen=True)
class SafePattern:
    """A compiled RE2 pattern with the parts of `re.Pattern` the project uses."""

    name: str
    pattern: str
    ignore_case: bool
    _regex: Any
    _index: dict[str, int]

    def _encode(self, text: str) -> _Encoded:
        if len(text) > MAX_TEXT_CHARS:
            raise TextTooLong(f"{self.name}: {len(text)} characters (at most {MAX_TEXT_CHARS})")
        return _encoded(text)

    def _at(self, encoded: _Encoded, char_pos: int, anchor: Any = _UNANCHORED) -> Match | None:
        if char_pos > len(encoded.text):
            return None
        raw_spans = self._regex._regexp.Match(anchor, encoded.data, encoded.byte(char_pos), len(encoded.data))
        if raw_spans[0][0] < 0:
            return None
        spans = [
            _NO_SPAN if start < 0 else (encoded.char(start), encoded.char(end)) for start, end in raw_spans
        ]
        return Match(encoded.text, spans, self._index)

    def _iterate(self, encoded: _Encoded) -> Iterator[Match]:
        pos = 0
        while True:
            match = self._at(encoded, pos)
            if match is None:
                return
            yield match
            start, end = match.span()
            pos = end if end > start else end + 1

    def search(self, text: str, pos: int = 0) -> Match | None:
        return self._at(self._encode(text), max(0, pos))

    def match(self, text: str) -> Match | None:
        return self._at(self._encode(text), 0, _ANCHOR_START)

    def fullmatch(self, text: str) -> Match | None:
        return self._at(self._encode(text), 0, _ANCHOR_BOTH)

    def finditer(self, text: str) -> Iterator[Match]:
        return self._iterate(self._encode(text))

    def scan(self, text: str, group: int | str | Callable[[Match], int | str]) -> Iterator[Match]:
        """Matches whose `group` holds the finding, for patterns with consumed look-around context.

        Each search after the first starts one character before the previous finding ended, so that
        character can serve as the next match's look-behind context; a match whose finding would
        overlap the previous one is searched again from the previous end.
        """
        encoded = self._encode(text)

        def finding(match: Match) -> tuple[int, int]:
            return match.span(group(match) if callable(group) else group)

        previous_end = 0
        match = self._at(encoded, 0)
        while match is not None:
            start, end = finding(match)
            if start < previous_end:
                match = self._at(encoded, previous_end)
                if match is None:
                    return
                start, end = finding(match)
            yield match
            previous_end = end if end > start else end + 1
            match = self._at(encoded, max(previous_end - 1, 0))

    def sub(self, replacement: str | Callable[[Match], str], text: str) -> str:
        """Every match replaced by `replacement` (a literal: no group references) or its result."""
        if isinstance(replacement, str) and "\\" in replacement:
            raise ValueError("group references are not supported; pass a function")
        pieces: list[str] = []
        cursor = 0
        for match in self._iterate(self._encode(text)):
            start, end = match.span()
            pieces.append(text[cursor:start])
            pieces.append(replacement(match) if callable(replacement) else replacement)
            cursor = end
        pieces.append(text[cursor:])
        return "".join(pieces)

    def split(self, text: str) -> list[str]:
        """`text` cut at every match (the pattern must have no groups)."""
        pieces: list[str] = []
        cursor = 0
        for match in self._iterate(self._encode(text)):
            start, end = match.span()
            pieces.append(text[cursor:start])
            cursor = end
        pieces.append(text[cursor:])
        return pieces


REGISTRY: dict[str, SafePattern] = {}


def compile_pattern(name: str, pattern: str, *, ignore_case: bool = False) -> SafePattern:
    """Compile `pattern` with RE2 and register it under `name` (unique, `module.purpose`)."""
    if name in REGISTRY and REGISTRY[name].pattern != pattern:
        raise ValueError(f"pattern name {name!r} is already taken")
    source = _translate(pattern)
    if ignore_case:
        source = "(?i)" + source
    options = re2.Options()
    options.max_mem = 64 << 20  # the lexicons are large alternations
    regex = re2.compile(source, options)
    compiled = SafePattern(name, pattern, ignore_case, regex, dict(regex.groupindex))
    REGISTRY[name] = compiled
    return compiled


def _digit_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x1FC00):  # every decimal digit lies below U+1FBFA
        char = chr(code)
        if char.isdecimal() and not ("0" <= char <= "9"):
            table[code] = str(unicodedata.decimal(char))
    return table


_DIGITS = _digit_table()
# ASCII digits to "0" (after fold_digits): number shapes without their values.
DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")


def fold_digits(text: str) -> str:
    """Every Unicode decimal digit (fullwidth ０-９, Arabic-Indic, ...) as its ASCII digit.

    One character in, one character out, so spans found in the folded text are spans of the original.
    """
    return text.translate(_DIGITS)


def escape(literal: str) -> str:
    """`literal` quoted for use inside a pattern."""
    return str(re2.escape(literal))
