"""The handbook benchmark: the book's cleaning rules and metrics, its split counts, and the command."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from alerts import handbook_evaluation
from alerts.features import FEATURE_NAMES

HANDBOOK = settings.FDS_SHARED_DIR / "data" / "handbook" / "transactions.parquet"


def _frame(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    """(day, card, fraud) rows as a loaded handbook frame; days are 2018-07-dd."""
    records = []
    for i, (day, card, fraud) in enumerate(rows):
        moment = datetime.fromisoformat(f"2018-07-{day}T12:00:00") + timedelta(seconds=i)
        records.append((i, moment, card, 1, 10.0, fraud))
    frame = pd.DataFrame(records, columns=list(handbook_evaluation.HANDBOOK_COLUMNS))
    moments = frame["TX_DATETIME"].to_numpy().astype("datetime64[s]").astype(np.int64)
    return frame.assign(ts=moments, day=moments // 86_400)


def test_card_precision_drops_cards_detected_on_earlier_days() -> None:
    days = np.array([1, 1, 1, 1, 2, 2, 2])
    cards = np.array(["A", "B", "C", "C", "A", "C", "B"])
    labels = np.array([1, 0, 0, 1, 1, 1, 0])
    scores = np.array([0.9, 0.8, 0.95, 0.1, 0.99, 0.7, 0.2])
    mean, per_day = handbook_evaluation.card_precision_at_k(days, cards, labels, scores, k=2)
    # Day 1: C is judged by its best score (0.95) and its worst transaction (a fraud), so the top two
    # (C, A) are both compromised. Day 2: A and C are already detected, so only B remains.
    assert per_day == [1.0, 0.0]
    assert mean == 0.5


def test_card_precision_detects_only_true_positives_and_divides_by_k() -> None:
    days = np.array([1, 1, 1, 2, 2])
    cards = np.array(["A", "B", "C", "B", "C"])
    labels = np.array([0, 0, 1, 0, 1])
    scores = np.array([0.9, 0.8, 0.1, 0.1, 0.9])
    _, per_day = handbook_evaluation.card_precision_at_k(days, cards, labels, scores, k=2)
    # Day 1's top two hold no fraud, so C (missed) stays and is caught on day 2; a day with fewer
    # cards than k still divides by k, as the book does.
    assert per_day == [0.0, 0.5]


def test_metrics_cover_all_test_transactions() -> None:
    labels = np.array([0, 0, 1, 1])
    result = handbook_evaluation.metrics_compute(
        days=np.array([1, 1, 1, 1]),
        cards=np.array([1, 2, 3, 4]),
        labels=labels,
        scores=np.array([0.1, 0.4, 0.35, 0.8]),
    )
    assert result["auc"] == 0.75
    assert result["ap"] == pytest.approx((1 / 1 + 2 / 3) / 2)
    assert result["cp100"] == pytest.approx(2 / 100)


def test_test_set_cleaning_follows_the_book() -> None:
    # train 07-01, delay 07-02..03, test 07-04..05.
    window = handbook_evaluation.Window(date(2018, 7, 1), train_days=1, delay_days=2, test_days=2)
    frame = _frame(
        [
            ("01", 1, 1),
            ("01", 2, 0),  # card 1: fraud in the training week
            ("02", 3, 1),
            ("03", 4, 1),  # card 3: fraud on the first delay day; card 4: the last
            ("04", 1, 0),
            ("04", 2, 0),
            ("04", 3, 1),
            ("04", 4, 1),
            ("04", 5, 0),
            ("05", 1, 0),
            ("05", 2, 0),
            ("05", 3, 0),
            ("05", 4, 1),
            ("05", 5, 1),
            ("06", 2, 0),  # after the test week
        ]
    )
    train, test = handbook_evaluation.split_positions(frame, window)
    assert frame["CUSTOMER_ID"].to_numpy()[train].tolist() == [1, 2]
    kept = frame.iloc[test]
    by_day = {d: sorted(g["CUSTOMER_ID"]) for d, g in kept.groupby(kept["TX_DATETIME"].dt.day)}
    # Card 1 never appears. Card 3's fraud (07-02) is known from the second test day on: delay + 1
    # days later. Card 4's fraud (07-03) is not yet known in this test week, so card 4 stays.
    assert by_day == {4: [2, 3, 4, 5], 5: [2, 4, 5]}


def test_prequential_validation_folds_never_reach_a_test_week() -> None:
    tests, validations = handbook_evaluation.prequential_windows(
        handbook_evaluation.PREQUENTIAL_TRAIN_STARTS, train_days=7, delay_days=7, test_days=7
    )
    assert [w.describe()["test"] for w in tests] == [
        "2018-08-08..2018-08-14",
        "2018-08-15..2018-08-21",
        "2018-08-22..2018-08-28",
        "2018-08-29..2018-09-04",
    ]
    # The book's validation folds: training weeks from 07-11 back to 06-20.
    assert [w.train_start for w in validations] == [
        date(2018, 7, 11),
        date(2018, 7, 4),
        date(2018, 6, 27),
        date(2018, 6, 20),
    ]
    assert max(w.last_day for w in validations) < min(w.test_first_day for w in tests)


def test_the_handbook_split_has_the_books_counts() -> None:
    frame = handbook_evaluation.handbook_load(HANDBOOK)
    train, test = handbook_evaluation.split_positions(
        frame, handbook_evaluation.Window(handbook_evaluation.BOOK_TRAIN_START)
    )
    frauds = frame["TX_FRAUD"].to_numpy()
    assert (len(train), int(frauds[train].sum())) == (67_240, 598)
    assert (len(test), int(frauds[test].sum())) == (58_264, 385)


def _synthetic_handbook(path: Path) -> None:
    """Forty days of a small handbook-shaped file: amounts above 220 are fraud, as in scenario 1."""
    rng = np.random.default_rng(7)
    rows = []
    start = datetime(2018, 6, 1)
    for day in range(40):
        for customer in range(30):
            for _ in range(rng.integers(1, 4)):
                moment = start + timedelta(days=day, seconds=int(rng.integers(0, 86_400)))
                amount = float(rng.gamma(2.0, 30.0)) * (6 if rng.random() < 0.03 else 1)
                rows.append((moment, customer, int(rng.integers(0, 25)), round(amount, 2), int(amount > 220)))
    frame = pd.DataFrame(rows, columns=["TX_DATETIME", "CUSTOMER_ID", "TERMINAL_ID", "TX_AMOUNT", "TX_FRAUD"])
    frame = frame.sort_values("TX_DATETIME").reset_index(drop=True)
    frame.insert(0, "TRANSACTION_ID", range(len(frame)))
    frame.to_csv(path, index=False)


def test_the_command_prints_one_json_object_with_the_figures(tmp_path: Path) -> None:
    data = tmp_path / "handbook.csv"
    _synthetic_handbook(data)
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "fds_benchmark",
        "--data",
        str(data),
        "--train-start",
        "2018-07-01",
        "--train-days",
        "3",
        "--delay-days",
        "2",
        "--test-days",
        "3",
        "--history-days",
        "30",
        "--rounds",
        "30",
        stdout=out,
        stderr=err,
    )
    result = json.loads(out.getvalue())
    assert {
        "auc",
        "ap",
        "cp100",
        "train_rows",
        "train_frauds",
        "test_rows",
        "test_frauds",
        "seconds",
        "feature_pipeline",
        "baseline",
    } <= set(result)
    assert result["feature_pipeline"] == "alerts.features.replay"
    assert result["features"] == list(FEATURE_NAMES)
    assert result["train_frauds"] > 0 and result["test_frauds"] > 0
    assert result["window"] == {"train": "2018-07-01..2018-07-03", "test": "2018-07-06..2018-07-08"}
    # Amounts above 220 are all fraud and the amount is a feature: the model must find them.
    assert result["auc"] > 0.95
    assert result["baseline"]["single_split_xgboost"]["ap"] == 0.639


def test_the_command_refuses_a_window_outside_the_data(tmp_path: Path) -> None:
    data = tmp_path / "handbook.csv"
    _synthetic_handbook(data)
    with pytest.raises(CommandError, match="the protocol needs 2018-08-01"):
        call_command(
            "fds_benchmark",
            "--data",
            str(data),
            "--train-start",
            "2018-08-01",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
