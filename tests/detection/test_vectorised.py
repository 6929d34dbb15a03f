"""The backtest's column-wise evaluator agrees with CEL row by row, nulls and errors included."""

from __future__ import annotations

import random

import numpy as np
import pytest

from detection.engine import Effect, RuleSpec, ruleset_compile
from detection.vectorised import vector_compile

SUPPORTED = [
    "age > 40.0",
    "!(age > 40.0)",
    "age > 40.0 || amount > 3.0",
    "age > 40.0 && amount < 2.0",
    "false && age > 40.0",
    "age == null",
    "age != null && age > 5.0",
    "age == 40.0",
    "age != 40.0",
    "tx_channel == 'online' || amount * 2.0 >= 9.0",
    "-amount < -3.0",
    "amount + cnt_1h > 6.0 && age - 1.0 < 50.0",
    "smishing_reporters >= 3 || age <= 1.0",
    "in_list('l', beneficiary_account) && !(age < 3.0)",
    "tx_channel > 'm'",
    "(age > 30.0 || tx_channel == 'atm') && (amount >= 2.0 || smishing_confirmed == 1)",
    "tx_channel == ''",
]
FALLBACK = [
    "age > 1.0 ? true : false",
    "size(tx_channel) > 2",
    "amount / 2.0 > 1.0",
    "tx_channel.startsWith('o')",
]


def _rows(n: int) -> list[dict]:
    rng = random.Random(11)
    return [
        {
            "age": None if rng.random() < 0.3 else float(rng.randint(0, 80)),
            "amount": float(rng.randint(0, 6)),
            "cnt_1h": float(rng.randint(0, 6)),
            "tx_channel": rng.choice(["online", "atm", "transfer", ""]),
            "beneficiary_account": rng.choice(["111", "222", ""]),
            "smishing_reporters": rng.randint(0, 4),
            "smishing_confirmed": rng.randint(0, 1),
        }
        for _ in range(n)
    ]


def _columns(rows: list[dict]) -> dict:
    columns: dict = {}
    for name in rows[0]:
        values = [r[name] for r in rows]
        if isinstance(values[0], str):
            columns[name] = np.array(values, dtype=object)
        else:
            columns[name] = np.array([np.nan if v is None else float(v) for v in values])
    return columns


@pytest.mark.parametrize("condition", SUPPORTED)
def test_columns_and_cel_fire_on_the_same_rows(condition: str) -> None:
    rows = _rows(400)
    members = {("l", "111")}
    compiled = ruleset_compile(
        lambda: [RuleSpec("r", condition, Effect.ADD, 0.1, "", "")], version=None, cache_key=None
    )
    by_cel = np.array([bool(compiled.evaluate(r, in_list=lambda n, v: (n, v) in members)) for r in rows])
    vector = vector_compile(condition)
    assert vector is not None
    columns = _columns(rows)
    in_list = lambda name, field, cols: np.array([(name, v) in members for v in cols[field]], dtype=bool)  # noqa: E731
    assert (vector.fired(columns, in_list=in_list, rows=len(rows)) == by_cel).all()
    assert 0 < by_cel.sum() < len(rows) or condition.startswith("false")


@pytest.mark.parametrize("condition", FALLBACK)
def test_anything_else_is_left_to_cel(condition: str) -> None:
    assert vector_compile(condition) is None


@pytest.mark.django_db
def test_the_seeded_rules_and_common_shapes_never_fall_back_to_cel_in_scoring() -> None:
    """Scoring evaluates these column-wise over the whole batch; CEL row by row only for the rest."""
    from detection.models import RuleSetVersion
    from detection.selectors import ruleset_compiled

    live = ruleset_compiled(version=RuleSetVersion.objects.get(is_live=True))
    assert live.codes and all(live.vectors[code] is not None for code in live.codes)
    for condition in SUPPORTED + [
        "amount_ratio_mean != null && amount_ratio_mean >= 3.3 && amount >= 200000.0",
        "in_list('bench-accounts', beneficiary_account) && amount >= 10000.0",
        "customer_segment == 'youth' && merchant_category == 'game' && amount >= 50000.0",
        "smishing_reports >= 1 && amount >= 100000.0",
    ]:
        assert vector_compile(condition) is not None, condition
