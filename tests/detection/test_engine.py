"""Rule conditions: what validation refuses (with its position) and how rules combine with the model."""

from __future__ import annotations

import pytest

from detection.engine import (
    Effect,
    RuleHit,
    RuleSpec,
    condition_validate,
    reason_render,
    reason_validate,
    ruleset_compile,
    score_combine,
)

LISTS = {"blocked-accounts": "account"}


def _errors(condition: str) -> list[str]:
    return [str(e) for e in condition_validate(condition, lists=LISTS)]


def test_a_syntax_error_names_its_line_and_column() -> None:
    [error] = condition_validate("amount >= 100.0 &&\n cnt_1h >", lists=LISTS)
    assert (error.line, error.column) == (2, 10)
    assert "syntax error" in error.message


def test_an_undeclared_field_is_named_with_its_position() -> None:
    [error] = condition_validate("amount > 1.0 && balance < 5.0", lists=LISTS)
    assert error.message == "unknown field 'balance'"
    assert (error.line, error.column) == (1, 17)


@pytest.mark.parametrize(
    "condition",
    [
        "__import__('os').system('id') == 0",
        "open('/etc/passwd') == ''",
        "getattr(amount, '__class__') == 1",
        "eval('1') == 1",
    ],
)
def test_python_builtins_and_files_are_out_of_reach(condition: str) -> None:
    errors = _errors(condition)
    assert errors and all("unknown function" in e for e in errors), errors


@pytest.mark.parametrize(
    "condition", ["amount.__class__ == 1", "customer_id.__dict__ == {}", "amount.real > 1.0"]
)
def test_attributes_outside_the_declared_fields_are_refused(condition: str) -> None:
    assert _errors(condition)


def test_a_type_mismatch_is_refused() -> None:
    assert any("type error" in e for e in _errors("tx_channel > 3"))
    assert any("type error" in e for e in _errors("amount + 1 > 2.0"))


def test_a_condition_must_be_true_or_false() -> None:
    assert any("true or false" in e for e in _errors("amount * 2.0"))


def test_lists_must_exist() -> None:
    assert any("no list 'nope'" in e for e in _errors("in_list('nope', beneficiary_account)"))
    assert _errors("in_list('blocked-accounts', beneficiary_account) && amount > 1.0") == []


def test_reason_placeholders_are_declared_fields_only() -> None:
    assert reason_validate("{amount:,.0f}원 · {cnt_1h:.0f}건", field_name="reason_ko") == []
    assert reason_validate("{amount.__class__}", field_name="reason_ko")
    assert reason_validate("{amount!r}", field_name="reason_ko")
    assert reason_validate("{secret}", field_name="reason_ko")
    assert (
        reason_render("{amount:,.0f}원, {age}세", {"amount": 3_500_000.0, "age": None}) == "3,500,000원, —세"
    )


def test_rules_combine_like_the_built_in_rules_did() -> None:
    def hit(effect: str, value: float) -> RuleHit:
        return RuleHit("r", effect, value, "", "")

    assert score_combine(0.2, [hit(Effect.ADD, 0.15), hit(Effect.ADD, 0.2)]) == (pytest.approx(0.55), False)
    assert score_combine(0.1, [hit(Effect.FLOOR, 0.95)]) == (0.95, False)
    assert score_combine(0.9, [hit(Effect.ADD, 0.4)]) == (1.0, False)
    assert score_combine(0.99, [hit(Effect.SUPPRESS, 0.0)])[1] is True


def test_a_rule_reading_a_missing_value_does_not_fire() -> None:
    rules = ruleset_compile(
        lambda: [RuleSpec("young", "age < 19.0", Effect.ADD, 0.1, "{age:.0f}세", "age {age:.0f}")],
        version=1,
        cache_key=None,
    )
    assert rules.evaluate({"age": None}, in_list=lambda n, v: False) == []
    [fired] = rules.evaluate({"age": 17.0}, in_list=lambda n, v: False)
    assert fired.text_ko == "17세"
