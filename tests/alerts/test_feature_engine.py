"""The feature engine's card and merchant evidence: repeated amount spikes and fraud-streak ages."""

from __future__ import annotations

import math

from alerts.features import DAY, FEATURE_INDEX, TxEvent, replay

HOUR = 3_600


def _row(rows: list[list[float]], i: int, name: str) -> float:
    return rows[i][FEATURE_INDEX[name]]


def test_repeated_amount_spikes_of_a_card_are_counted_for_two_weeks() -> None:
    # A card paying about 20 a day; on days 20 and 21 it pays 150 (7x its mean), then back to normal.
    amounts = [150.0 if day in (20, 21) else 20.0 for day in range(40)]
    events = [TxEvent(ts=day * DAY + 12 * HOUR, amount=a, customer_key="C") for day, a in enumerate(amounts)]
    rows, _, _ = replay(events, label_delay_days=7)
    assert (_row(rows, 20, "amount_spikes_7d"), _row(rows, 21, "amount_spikes_7d")) == (0.0, 1.0)
    assert (_row(rows, 22, "amount_spikes_7d"), _row(rows, 22, "amount_spikes_14d")) == (2.0, 2.0)
    # A week later the spikes have left the 7-day window but not the 14-day one; after 14 days, both.
    assert (_row(rows, 29, "amount_spikes_7d"), _row(rows, 29, "amount_spikes_14d")) == (0.0, 2.0)
    assert _row(rows, 36, "amount_spikes_14d") == 0.0
    # An ordinary card never has any.
    assert {_row(rows, i, "amount_spikes_14d") for i in range(20)} == {0.0}


def test_merchant_fraud_ages_read_only_labels_older_than_the_delay() -> None:
    # One transaction a day at merchant M; those of days 10 to 13 are fraud.
    events = [
        TxEvent(ts=day * DAY + 9 * HOUR, amount=30.0, customer_key=f"C{day}", merchant_key="M")
        for day in range(30)
    ]
    labels: list[bool | None] = [10 <= day <= 13 for day in range(30)]
    rows, _, _ = replay(events, labels=labels, label_delay_days=7)
    first, last = "merchant_fraud_first_age", "merchant_fraud_last_age"
    # Day 17: day 10's label is not 8 days old yet, so nothing is known.
    assert math.isnan(_row(rows, 17, first)) and math.isnan(_row(rows, 17, last))
    assert (_row(rows, 18, first), _row(rows, 18, last)) == (8.0, 8.0)
    assert (_row(rows, 25, first), _row(rows, 25, last)) == (15.0, 12.0)
