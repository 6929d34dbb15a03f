"""The customer page's smishing panel reads reports through this selector."""

from __future__ import annotations

import pytest

from smishing.models import Indicator, Submission
from smishing.selectors import submissions_naming_accounts

pytestmark = pytest.mark.django_db


def _report(user, text: str, number: str, **fields) -> Submission:
    submission = Submission.objects.create(submitted_by=user, text=text, status="done", **fields)
    start = text.index(number)
    Indicator.objects.create(
        submission=submission,
        kind="account",
        value=number,
        normalized="".join(ch for ch in number if ch.isdigit()),
        start=start,
        end=start + len(number),
    )
    return submission


def test_reports_naming_an_account_in_any_format_newest_first(employee, analyst) -> None:
    older = _report(employee, "입금 계좌 110-234-567890 으로", "110-234-567890", label="smishing")
    newer = _report(employee, "송금: 110234567890", "110234567890", label="spam")
    _report(employee, "다른 계좌 3333-01-2345678", "3333-01-2345678")

    found = submissions_naming_accounts(user=analyst, accounts=["110 234 567890", "C-1-CARD"])

    assert [(s.pk, named) for s, named in found] == [
        (newer.pk, ["110 234 567890"]),
        (older.pk, ["110 234 567890"]),
    ]


def test_short_numbers_never_match(employee, analyst) -> None:
    _report(employee, "계좌 1234567 입금", "1234567")
    assert submissions_naming_accounts(user=analyst, accounts=["1234567"]) == []


def test_scoped_to_what_the_user_may_see(employee, make_user, analyst) -> None:
    other = make_user("employee", "someone-else")
    mine = _report(employee, "계좌 110-234-567890", "110-234-567890")
    theirs = _report(other, "계좌 110-234-567890!", "110-234-567890")
    assert [s.pk for s, _ in submissions_naming_accounts(user=employee, accounts=["110234567890"])] == [
        mine.pk
    ]
    assert {s.pk for s, _ in submissions_naming_accounts(user=analyst, accounts=["110234567890"])} == {
        mine.pk,
        theirs.pk,
    }
