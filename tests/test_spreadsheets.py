from __future__ import annotations

import pytest

from untrusted.spreadsheets import spreadsheet_safe, spreadsheet_unguard


@pytest.mark.parametrize("value", ["=1", "+1", "-1", "@A1", "\t1", "\r1", " =1", "\u3000+1", "＝1"])
def test_formula_like_cells_are_guarded_and_read_back_unchanged(value: str) -> None:
    assert spreadsheet_safe(value) == "'" + value
    assert spreadsheet_unguard(spreadsheet_safe(value)) == value


@pytest.mark.parametrize("value", ["택배 조회", "1-2", "a=b", "'quoted", ""])
def test_ordinary_cells_are_left_alone(value: str) -> None:
    assert spreadsheet_safe(value) == value
    assert spreadsheet_unguard(value) == value
