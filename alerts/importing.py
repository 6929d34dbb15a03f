"""Reading transaction files (CSV or Parquet) with a column mapping into validated ingest rows."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from pydantic import ValidationError

from alerts.schemas import TransactionIn

FIELDS = (
    "external_id",
    "customer_id",
    "account_id",
    "merchant_id",
    "amount",
    "occurred_at",
    "channel",
    "country",
    "is_fraud",
    "beneficiary_account",
    "beneficiary_phone",
    "birth_date",
    "segment",
    "merchant_name",
    "merchant_category",
)
REQUIRED = ("external_id", "customer_id", "amount", "occurred_at")
# The public card-fraud handbook's raw columns (ULB/Worldline). Its amounts are in generic units of
# roughly a euro; `amount_scale` turns them into won.
PRESETS: dict[str, dict[str, str]] = {
    "handbook": {
        "external_id": "TRANSACTION_ID",
        "customer_id": "CUSTOMER_ID",
        "merchant_id": "TERMINAL_ID",
        "amount": "TX_AMOUNT",
        "occurred_at": "TX_DATETIME",
        "is_fraud": "TX_FRAUD",
    }
}


class MappingError(ValueError):
    pass


@dataclass(frozen=True)
class ImportOptions:
    mapping: dict[str, str]
    timezone: str = "Asia/Seoul"
    amount_scale: float = 1.0
    id_prefix: str = ""


def table_read(path: Path) -> pa.Table:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pq.read_table(path)
    if suffix in (".csv", ".txt"):
        return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(strings_can_be_null=True))
    raise MappingError(f"{path.name}: only .csv and .parquet files can be imported")


def mapping_check(table: pa.Table, options: ImportOptions) -> None:
    unknown = set(options.mapping) - set(FIELDS)
    if unknown:
        raise MappingError(f"unknown target fields {sorted(unknown)}; known: {', '.join(FIELDS)}")
    missing_targets = [f for f in REQUIRED if f not in options.mapping]
    if missing_targets:
        raise MappingError(f"the mapping must name a column for {', '.join(missing_targets)}")
    missing_columns = [c for c in options.mapping.values() if c not in table.column_names]
    if missing_columns:
        raise MappingError(f"columns not in the file: {missing_columns}; it has {table.column_names}")


def _clean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def rows_convert(table: pa.Table, options: ImportOptions, *, start: int = 0) -> Iterator[tuple[int, dict]]:
    """(row number, TransactionIn-shaped dict) for each row; numbering from 1 after the header."""
    zone = ZoneInfo(options.timezone)
    columns = {target: table.column(source).to_pylist() for target, source in options.mapping.items()}
    for i in range(table.num_rows):
        get = {k: _clean(v[i]) for k, v in columns.items()}
        row: dict[str, Any] = {}
        for key in ("external_id", "customer_id", "account_id", "merchant_id"):
            if get.get(key) is not None:
                value = get[key]
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                row[key] = f"{options.id_prefix}{value}"
        amount = get.get("amount")
        if amount is not None:
            try:
                scaled = float(amount) * options.amount_scale
                row["amount"] = max(1, round(scaled)) if scaled > 0 else round(scaled)
            except (TypeError, ValueError):
                row["amount"] = amount
        when = get.get("occurred_at")
        if isinstance(when, datetime) and when.tzinfo is None:
            when = when.replace(tzinfo=zone)
        elif isinstance(when, str):
            try:
                parsed = datetime.fromisoformat(when)
                when = parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
            except ValueError:
                pass
        row["occurred_at"] = when
        for key in ("channel", "country", "beneficiary_account", "beneficiary_phone"):
            if get.get(key) is not None:
                row[key] = str(get[key])
        if get.get("is_fraud") is not None:
            raw = get["is_fraud"]
            row["is_fraud"] = bool(int(raw)) if isinstance(raw, int | float) else raw
        if any(get.get(k) is not None for k in ("birth_date", "segment")):
            row["customer"] = {k: get.get(k) for k in ("birth_date", "segment") if get.get(k) is not None}
        if "merchant_id" in row and any(
            get.get(k) is not None for k in ("merchant_name", "merchant_category")
        ):
            merchant: dict[str, Any] = {}
            if get.get("merchant_name") is not None:
                merchant["name"] = str(get["merchant_name"])
            if get.get("merchant_category") is not None:
                merchant["category"] = get["merchant_category"]
            row["merchant"] = merchant
        yield start + i + 1, row


@dataclass
class RowProblem:
    row: int
    field: str
    message: str


def rows_validate(
    rows: Iterator[tuple[int, dict]], *, max_problems: int = 50
) -> tuple[list[TransactionIn], list[RowProblem], int]:
    """Validated rows, the first problems found, and how many rows had problems in all."""
    valid: list[TransactionIn] = []
    problems: list[RowProblem] = []
    bad = 0
    for number, row in rows:
        try:
            valid.append(TransactionIn.model_validate(row))
        except ValidationError as exc:
            bad += 1
            for error in exc.errors():
                if len(problems) < max_problems:
                    field = ".".join(str(p) for p in error["loc"]) or "row"
                    problems.append(RowProblem(number, field, error["msg"]))
    return valid, problems, bad
