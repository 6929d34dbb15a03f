"""CSV cells that a spreadsheet shows as text, never runs as a formula (CSV injection).

Excel, LibreOffice and Google Sheets run a cell starting with `=`, `+`, `-` or `@` as a formula, also
after leading spaces, and strip a leading tab or carriage return first; some locales take the
fullwidth forms too. Such a cell gets a leading apostrophe, which the spreadsheet hides and which
`spreadsheet_unguard` removes again when the project reads its own export back.
"""

from __future__ import annotations

_FORMULA_STARTS = ("=", "+", "-", "@", "＝", "＋", "－", "＠")
_STRIPPED_FIRST = ("\t", "\r", "\n")


def spreadsheet_safe(value: str) -> str:
    """`value`, with an apostrophe in front if a spreadsheet would run it as a formula."""
    if value.startswith(_STRIPPED_FIRST) or value.lstrip().startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_unguard(value: str) -> str:
    """The original of a cell `spreadsheet_safe` guarded (other values are returned unchanged)."""
    if value.startswith("'") and spreadsheet_safe(value[1:]) == value:
        return value[1:]
    return value
