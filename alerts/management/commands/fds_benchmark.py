"""`manage.py fds_benchmark`: the project's features and model on the handbook's public data set."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from alerts import handbook_evaluation
from alerts.scoring import DEFAULT_ROUNDS


class Command(BaseCommand):
    help = (
        "Replay the handbook's raw transactions through alerts.features, train the FDS model and evaluate "
        "it with the book's protocol (train week, delay, cleaned test week; AUC ROC, average precision, "
        "Card Precision@100). Prints one JSON object on stdout, progress on stderr. Reads only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data",
            default=str(settings.FDS_SHARED_DIR / "data" / "handbook" / "transactions.parquet"),
            help="handbook transactions, .parquet or .csv (relative paths: from the repository root)",
        )
        parser.add_argument(
            "--train-start",
            type=handbook_evaluation.parse_day,
            default=handbook_evaluation.BOOK_TRAIN_START,
            help="first training day, YYYY-MM-DD (single split; default 2018-07-25)",
        )
        parser.add_argument("--train-days", type=int, default=7)
        parser.add_argument(
            "--delay-days",
            type=int,
            default=7,
            help="days between training and test whose labels are unknown; also the label "
            "delay of the merchant-risk features",
        )
        parser.add_argument("--test-days", type=int, default=7)
        parser.add_argument(
            "--prequential",
            action="store_true",
            help="the four-fold protocol of Chapter 5.3 with a small grid chosen on "
            "validation folds (ignores --train-start)",
        )
        parser.add_argument(
            "--retraining-loop",
            action="store_true",
            help="the product's weekly champion/challenger retraining on the four prequential test "
            "weeks, printed per fold next to a static model",
        )
        parser.add_argument("--train-weeks", type=int, default=12, help="weeks a challenger trains on (loop)")
        parser.add_argument(
            "--loop-weeks",
            choices=("test", "validation"),
            default="test",
            help="the loop on the book's four test weeks, or on the four validation weeks before them "
            "(where choices are made; use --train-weeks 7 or less)",
        )
        parser.add_argument(
            "--without",
            default="",
            help="comma-separated features the loop leaves out (an ablation), e.g. amount_spikes_7d,amount_spikes_14d",
        )
        parser.add_argument(
            "--cache-dir",
            default=None,
            help="keep the replayed features of the whole file here (e.g. var/bench-cache) so that later "
            "runs of any protocol skip the replay",
        )
        parser.add_argument(
            "--history-days",
            type=int,
            default=None,
            help="days replayed before the first training day to warm the states up "
            f"(at least {handbook_evaluation.MIN_HISTORY_DAYS}; default: all the file holds)",
        )
        parser.add_argument(
            "--rounds",
            type=int,
            default=None,
            help="boosting rounds of the single split and the loop (default: alerts.scoring.DEFAULT_ROUNDS)",
        )
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["data"])
        if not path.is_absolute():
            path = Path(settings.BASE_DIR) / path
        history = options["history_days"]
        if history is not None and history < handbook_evaluation.MIN_HISTORY_DAYS:
            raise CommandError(f"--history-days must be at least {handbook_evaluation.MIN_HISTORY_DAYS}")
        for name in ("train_days", "test_days", "rounds"):
            if options[name] is not None and options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1")
        if options["delay_days"] < 0:
            raise CommandError("--delay-days cannot be negative")

        def progress(message: str) -> None:
            # stdout carries only the JSON result, so that it can be piped into jq or a file.
            print(message, file=sys.stderr, flush=True)

        try:
            progress(f"loading {path}")
            frame = handbook_evaluation.handbook_load(path)
            cache = Path(options["cache_dir"]) if options["cache_dir"] else None
            if cache is not None and not cache.is_absolute():
                cache = Path(settings.BASE_DIR) / cache
            if options["retraining_loop"]:
                result = handbook_evaluation.benchmark_retraining_loop(
                    frame,
                    train_weeks=options["train_weeks"],
                    train_starts=handbook_evaluation.LOOP_VALIDATION_TRAIN_STARTS
                    if options["loop_weeks"] == "validation"
                    else handbook_evaluation.PREQUENTIAL_TRAIN_STARTS,
                    without=[name.strip() for name in options["without"].split(",") if name.strip()],
                    delay_days=options["delay_days"],
                    seed=options["seed"],
                    rounds=options["rounds"] or DEFAULT_ROUNDS,
                    cache_dir=cache,
                    progress=progress,
                )
            elif options["prequential"]:
                result = handbook_evaluation.benchmark_prequential(
                    frame,
                    train_days=options["train_days"],
                    delay_days=options["delay_days"],
                    test_days=options["test_days"],
                    seed=options["seed"],
                    history_days=history,
                    cache_dir=cache,
                    progress=progress,
                )
            else:
                window = handbook_evaluation.Window(
                    options["train_start"], options["train_days"], options["delay_days"], options["test_days"]
                )
                result = handbook_evaluation.benchmark_single(
                    frame,
                    window,
                    seed=options["seed"],
                    history_days=history,
                    cache_dir=cache,
                    progress=progress,
                    rounds=options["rounds"] or DEFAULT_ROUNDS,
                )
        except (FileNotFoundError, ValueError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            json.dumps(
                {
                    "protocol": "retraining_loop"
                    if options["retraining_loop"]
                    else ("prequential" if options["prequential"] else "single_split"),
                    **result,
                },
                ensure_ascii=False,
            )
        )
