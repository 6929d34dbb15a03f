from __future__ import annotations

import json
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from alerts.importing import (
    PRESETS,
    ImportOptions,
    MappingError,
    mapping_check,
    rows_convert,
    rows_validate,
    table_read,
)
from alerts.model_versions import model_version_store
from alerts.training import model_fit, stream_from_db, stream_from_rows


class Command(BaseCommand):
    help = (
        "Train an FDS model from labelled transactions (the database, or --data FILE), store it as a "
        "version that is not live, print metrics. It goes live only by promotion after a retraining "
        "run, or for a first installation by `fds_model_bootstrap`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", type=Path, help="CSV/Parquet file instead of the database")
        parser.add_argument("--map", action="append", default=[], metavar="FIELD=COLUMN")
        parser.add_argument("--preset", choices=sorted(PRESETS))
        parser.add_argument("--amount-scale", type=float, default=1.0)
        parser.add_argument("--rounds", type=int, default=None, help="boosting rounds")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--name", default=None, help="version name (default fds-<timestamp>)")

    def handle(
        self,
        *args,
        data: Path | None,
        map: list[str],
        preset: str | None,
        amount_scale: float,
        rounds: int | None,
        seed: int,
        name: str | None,
        **options,
    ) -> None:
        started = time.monotonic()
        if data is not None:
            mapping = dict(PRESETS[preset]) if preset else {}
            mapping.update(dict(item.split("=", 1) for item in map if "=" in item))
            try:
                table = table_read(data)
                import_options = ImportOptions(mapping=mapping, amount_scale=amount_scale)
                mapping_check(table, import_options)
            except (MappingError, OSError) as exc:
                raise CommandError(str(exc)) from exc
            rows, problems, bad = rows_validate(rows_convert(table, import_options))
            if bad:
                for p in problems:
                    self.stderr.write(f"  row {p.row}: {p.field}: {p.message}")
                raise CommandError(f"{bad:,} rows are invalid; nothing was trained")
            stream = stream_from_rows(rows)
            source: dict[str, object] = {"file": data.name}
        else:
            stream = stream_from_db(progress=self.stderr.write)
            source = {"database": True}
        try:
            outcome = model_fit(
                stream,
                label_delay_days=settings.FDS_LABEL_DELAY_DAYS,
                rounds=rounds,
                seed=seed,
                version=name,
                progress=self.stderr.write,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        version = model_version_store(
            model=outcome.model,
            metrics=outcome.metrics,
            training_data={**outcome.training_data, **source},
            created_by="system:train_fds",
            activate=False,
            importance=outcome.importance,
        )
        outcome.metrics["seconds"] = round(time.monotonic() - started, 1)
        self.stdout.write(json.dumps({"model": version.name, "active": False, **outcome.metrics}))
