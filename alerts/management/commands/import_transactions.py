from __future__ import annotations

import time
from pathlib import Path

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
from alerts.services import IngestRejected, scoring_enqueue, transaction_accounts_resolve, transactions_ingest

CHUNK = 5000


class Command(BaseCommand):
    help = (
        "Import transactions from a CSV or Parquet file with a column mapping. Every row is validated "
        "first; if any row is bad, nothing is written. Re-running is safe (duplicates are skipped)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="FIELD=COLUMN",
            help="target field = file column, e.g. --map amount=TX_AMOUNT (repeat)",
        )
        parser.add_argument("--preset", choices=sorted(PRESETS), help="a known file layout (e.g. handbook)")
        parser.add_argument("--timezone", default="Asia/Seoul", help="zone of timestamps without an offset")
        parser.add_argument("--amount-scale", type=float, default=1.0, help="multiply amounts into KRW")
        parser.add_argument("--id-prefix", default="", help="prefix for external ids (keeps sources apart)")
        parser.add_argument("--limit", type=int, default=0, help="import only the first N rows")
        parser.add_argument(
            "--score",
            action="store_true",
            help="score the rows as live transactions (default: import as history, folded into state only)",
        )

    def handle(
        self,
        *args,
        path: Path,
        map: list[str],
        preset: str | None,
        timezone: str,
        amount_scale: float,
        id_prefix: str,
        limit: int,
        score: bool,
        **options,
    ) -> None:
        mapping = dict(PRESETS[preset]) if preset else {}
        for item in map:
            if "=" not in item:
                raise CommandError(f"--map {item!r}: use FIELD=COLUMN")
            field, column = item.split("=", 1)
            mapping[field.strip()] = column.strip()
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        try:
            table = table_read(path)
            options_ = ImportOptions(
                mapping=mapping, timezone=timezone, amount_scale=amount_scale, id_prefix=id_prefix
            )
            mapping_check(table, options_)
        except (MappingError, OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if limit:
            table = table.slice(0, limit)
        started = time.monotonic()
        self.stderr.write(f"validating {table.num_rows:,} rows…")
        valid, problems, bad = rows_validate(rows_convert(table, options_))
        if bad:
            for p in problems:
                self.stderr.write(f"  row {p.row}: {p.field}: {p.message}")
            raise CommandError(f"{bad:,} of {table.num_rows:,} rows are invalid; nothing was imported")
        valid.sort(key=lambda r: r.occurred_at)
        try:
            # Checked for the whole file first: the import is committed in chunks.
            transaction_accounts_resolve(valid)
        except IngestRejected as exc:
            for index, external_id, field, message in exc.problems[:50]:
                self.stderr.write(f"  transaction {external_id} (row {index + 1}): {field} {message}")
            raise CommandError(
                f"{len(exc.problems):,} rows name another customer's account; nothing was imported"
            ) from exc
        created = duplicates = 0
        for start in range(0, len(valid), CHUNK):
            result = transactions_ingest(
                rows=valid[start : start + CHUNK],
                source=f"file:{path.name}",
                historical=not score,
                enqueue=False,
                accept_labels=True,  # labelled history from a file: recorded as import labels
            )
            created += len(result.created)
            duplicates += len(result.duplicates)
            # Folding/scoring is queued per chunk, in time order, after its rows are committed.
            scoring_enqueue(transaction_ids=result.created_ids)
            if (start // CHUNK) % 20 == 0:
                self.stderr.write(f"  {start + len(valid[start : start + CHUNK]):,} rows…")
        seconds = time.monotonic() - started
        self.stdout.write(
            f"imported {created:,} new transactions ({duplicates:,} duplicates skipped) in {seconds:.1f} s"
        )
